/**
 * Restart intensity (OTP's MaxR within MaxT) as pure, serialisable functions: a supervisor keeps an
 * `IntensityWindow`, asks `tryRestart` before each restart, and gives up when it is refused.
 *
 * The window is half-open, `(now - withinMs, now]`: a restart exactly `withinMs` ago has left it.
 * OTP's is closed, `[Now - MaxT, Now]` in whole seconds, so OTP's 1 in 5 s refuses a second
 * restart exactly 5 s after the first where Warden's 1 in 5 000 ms allows it: here `maxRestarts`
 * restarts every `withinMs` can go on for ever, where OTP needs gaps longer than MaxT.
 *
 * A time after `now` (the clock stepped back, or history written by a process whose clock ran
 * ahead) counts as `now`: it is neither dropped, which would hand a crash loop a fresh budget, nor
 * kept in the future, which would hold the window shut for longer than `withinMs`.
 */

/** Restart timestamps (ms) still inside the window, oldest first. */
export interface IntensityWindow {
  readonly restarts: readonly number[];
}

/** How many restarts a supervisor allows within how long before it gives up. */
export interface IntensityOptions {
  /** Restarts allowed within `withinMs`; 0 means a child is never restarted. */
  readonly maxRestarts: number;
  /** The length of the sliding window in ms. */
  readonly withinMs: number;
}

/**
 * Warden's default, 3 restarts within 5 000 ms, as in Elixir; OTP's is 1 within 5 s, which gives up
 * on a second crash that a one-off hiccup and its retry can easily cause.
 */
export const defaultIntensity: IntensityOptions = { maxRestarts: 3, withinMs: 5000 };

/** A window holding no restarts. */
export const emptyWindow: IntensityWindow = { restarts: [] };

/** The window with timestamps older than `now - withinMs` dropped (exactly that old is dropped too). */
export function pruneWindow(
  window: IntensityWindow,
  options: IntensityOptions,
  now: number,
): IntensityWindow {
  return { restarts: inWindow(window.restarts, options, now) };
}

/**
 * Whether one more restart at `now` stays within the intensity, and the window if it is recorded.
 * OTP semantics: allowed while the count of restarts in `(now - withinMs, now]` including this one
 * is `<= maxRestarts`; `maxRestarts` 0 means never restart. A refused restart is not recorded: the
 * window returned is the pruned one, since the supervisor gives up instead of restarting.
 */
export function tryRestart(
  window: IntensityWindow,
  options: IntensityOptions,
  now: number,
): { readonly allowed: boolean; readonly window: IntensityWindow } {
  const kept = inWindow(window.restarts, options, now);
  if (kept.length + 1 > options.maxRestarts) return { allowed: false, window: { restarts: kept } };
  return { allowed: true, window: { restarts: [...kept, now] } };
}

/** Builds a window from persisted restart times (any order), keeping those inside the window at `now`. */
export function windowFromHistory(
  times: readonly number[],
  options: IntensityOptions,
  now: number,
): IntensityWindow {
  return { restarts: inWindow(times, options, now).sort((a, b) => a - b) };
}

/** The times in `(now - withinMs, now]`, later ones counted as `now`, in their given order. */
function inWindow(times: readonly number[], options: IntensityOptions, now: number): number[] {
  const since = now - options.withinMs;
  // `t > since` is false for NaN, so a damaged timestamp is dropped rather than poisoning the sort.
  return times.filter((t) => t > since).map((t) => Math.min(t, now));
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultIntensity,
  emptyWindow,
  pruneWindow,
  tryRestart,
  windowFromHistory,
  type IntensityOptions,
  type IntensityWindow,
} from '../../src/policies/restartIntensity.js';

/** Fixed seed: the properties explore the same cases on every run. */
const runs = { seed: 20_240_602, numRuns: 500 } as const;

/** Asks for a restart at each time in turn, carrying the window along; returns the verdicts. */
function verdicts(options: IntensityOptions, times: readonly number[]): boolean[] {
  let window: IntensityWindow = emptyWindow;
  return times.map((now) => {
    const result = tryRestart(window, options, now);
    window = result.window;
    return result.allowed;
  });
}

describe('defaultIntensity', () => {
  it('is 3 restarts within 5 000 ms, as in Elixir', () => {
    expect(defaultIntensity).toEqual({ maxRestarts: 3, withinMs: 5000 });
  });

  it('allows a third crash within 5 s that OTP’s 1 in 5 s would escalate', () => {
    expect(verdicts(defaultIntensity, [0, 1000, 2000, 3000])).toEqual([true, true, true, false]);
    expect(verdicts({ maxRestarts: 1, withinMs: 5000 }, [0, 1000])).toEqual([true, false]);
  });
});

describe('pruneWindow', () => {
  const options = { maxRestarts: 3, withinMs: 1000 };

  it('drops a restart exactly withinMs ago and keeps one a millisecond younger', () => {
    expect(pruneWindow({ restarts: [9000, 9001, 9500, 10_000] }, options, 10_000)).toEqual({
      restarts: [9001, 9500, 10_000],
    });
  });

  it('keeps everything younger than withinMs', () => {
    expect(pruneWindow({ restarts: [9100, 9999] }, options, 10_000)).toEqual({
      restarts: [9100, 9999],
    });
  });

  it('empties a window whose restarts are all old', () => {
    expect(pruneWindow({ restarts: [1, 2, 3] }, options, 10_000)).toEqual(emptyWindow);
  });

  it('counts a restart after now (the clock stepped back) as now', () => {
    expect(pruneWindow({ restarts: [9500, 12_000] }, options, 10_000)).toEqual({
      restarts: [9500, 10_000],
    });
  });

  it('does not change the window it is given', () => {
    const window = { restarts: [1, 9500] };
    pruneWindow(window, options, 10_000);
    expect(window).toEqual({ restarts: [1, 9500] });
  });
});

describe('tryRestart', () => {
  it('allows restarts up to maxRestarts within the window and refuses the next', () => {
    const options = { maxRestarts: 3, withinMs: 1000 };
    expect(verdicts(options, [0, 10, 20, 30])).toEqual([true, true, true, false]);
  });

  it('records an allowed restart at the end of the window', () => {
    expect(tryRestart({ restarts: [100, 200] }, defaultIntensity, 300)).toEqual({
      allowed: true,
      window: { restarts: [100, 200, 300] },
    });
  });

  it('does not record a refused restart, but still prunes the window', () => {
    const options = { maxRestarts: 2, withinMs: 1000 };
    expect(tryRestart({ restarts: [0, 500, 900] }, options, 1000)).toEqual({
      allowed: false,
      window: { restarts: [500, 900] },
    });
  });

  it('allows a restart again once the oldest is exactly withinMs old', () => {
    const options = { maxRestarts: 2, withinMs: 1000 };
    const full = { restarts: [0, 400] };
    expect(tryRestart(full, options, 999).allowed).toBe(false);
    expect(tryRestart(full, options, 1000)).toEqual({
      allowed: true,
      window: { restarts: [400, 1000] },
    });
  });

  it('with OTP’s 1 in 5 s, allows one restart every 5 000 ms, but not one ms sooner', () => {
    const options = { maxRestarts: 1, withinMs: 5000 };
    expect(verdicts(options, [0, 5000, 10_000, 15_000])).toEqual([true, true, true, true]);
    expect(verdicts(options, [0, 4999, 5000, 9999, 10_000])).toEqual([
      true,
      false,
      true,
      false,
      true,
    ]);
  });

  it('never restarts with maxRestarts 0', () => {
    const options = { maxRestarts: 0, withinMs: 1 };
    expect(verdicts(options, [0, 1000, 1_000_000])).toEqual([false, false, false]);
    expect(tryRestart(emptyWindow, options, 5)).toEqual({ allowed: false, window: emptyWindow });
  });

  it('counts restarts in the same millisecond one by one', () => {
    const options = { maxRestarts: 2, withinMs: 1 };
    expect(verdicts(options, [7, 7, 7, 8, 8, 8])).toEqual([true, true, false, true, true, false]);
  });

  it('does not change the window it is given', () => {
    const window = { restarts: [100] };
    tryRestart(window, defaultIntensity, 200);
    expect(window).toEqual({ restarts: [100] });
  });

  it('gives the same verdicts after a JSON round trip of the window', () => {
    const window = { restarts: [100, 2000, 4000] };
    const revived = JSON.parse(JSON.stringify(window)) as IntensityWindow;
    for (const now of [4000, 5099, 5100, 6999, 7000]) {
      expect(tryRestart(revived, defaultIntensity, now)).toEqual(
        tryRestart(window, defaultIntensity, now),
      );
    }
  });
});

describe('windowFromHistory', () => {
  const options = { maxRestarts: 3, withinMs: 1000 };

  it('sorts persisted times and keeps those inside the window', () => {
    expect(windowFromHistory([9800, 2, 9000, 9001, 9400], options, 10_000)).toEqual({
      restarts: [9001, 9400, 9800],
    });
  });

  it('gives an empty window for no history', () => {
    expect(windowFromHistory([], options, 10_000)).toEqual(emptyWindow);
  });

  it('keeps a crash-looping child’s budget spent across a process restart', () => {
    const before = verdicts(options, [9000, 9100, 9200]);
    expect(before).toEqual([true, true, true]);
    const reopened = windowFromHistory([9200, 9000, 9100], options, 9300);
    expect(tryRestart(reopened, options, 9300).allowed).toBe(false);
    expect(tryRestart(reopened, options, 10_000).allowed).toBe(true);
  });

  it('counts times after now as now and drops NaN', () => {
    expect(windowFromHistory([Number.NaN, 20_000, 9500], options, 10_000)).toEqual({
      restarts: [9500, 10_000],
    });
  });
});

describe('properties', () => {
  const options = fc.record({
    maxRestarts: fc.integer({ min: 0, max: 6 }),
    withinMs: fc.integer({ min: 1, max: 5000 }),
  });
  /** Non-decreasing times, gaps of 0 ms included, as a monotonic clock gives them. */
  const increasingTimes = fc
    .array(fc.integer({ min: 0, max: 2000 }), { maxLength: 60 })
    .map((gaps) => {
      let now = 0;
      return gaps.map((gap) => (now += gap));
    });
  const times = fc.array(fc.integer({ min: -10_000, max: 20_000 }), { maxLength: 30 });
  const now = fc.integer({ min: 0, max: 10_000 });

  it('never allows more than maxRestarts within any window of withinMs', () => {
    fc.assert(
      fc.property(options, increasingTimes, (opts, ts) => {
        const verdict = verdicts(opts, ts);
        const allowed = ts.filter((_, i) => verdict[i]);
        for (const end of allowed) {
          const inside = allowed.filter((t) => t > end - opts.withinMs && t <= end);
          expect(inside.length).toBeLessThanOrEqual(opts.maxRestarts);
        }
      }),
      runs,
    );
  });

  it('allows a restart exactly when fewer than maxRestarts allowed ones are in the window', () => {
    fc.assert(
      fc.property(options, increasingTimes, (opts, ts) => {
        const allowed: number[] = [];
        const expected = ts.map((t) => {
          const ok = allowed.filter((a) => a > t - opts.withinMs).length < opts.maxRestarts;
          if (ok) allowed.push(t);
          return ok;
        });
        expect(verdicts(opts, ts)).toEqual(expected);
      }),
      runs,
    );
  });

  it('keeps the window sorted, inside (now - withinMs, now] and at most maxRestarts long', () => {
    fc.assert(
      fc.property(options, increasingTimes, (opts, ts) => {
        let window: IntensityWindow = emptyWindow;
        for (const t of ts) {
          window = tryRestart(window, opts, t).window;
          expect(window.restarts.length).toBeLessThanOrEqual(opts.maxRestarts);
          expect(window.restarts).toEqual([...window.restarts].sort((a, b) => a - b));
          for (const r of window.restarts) {
            expect(r).toBeGreaterThan(t - opts.withinMs);
            expect(r).toBeLessThanOrEqual(t);
          }
        }
      }),
      runs,
    );
  });

  it('prunes idempotently', () => {
    fc.assert(
      fc.property(options, times, now, (opts, ts, at) => {
        const window = windowFromHistory(ts, opts, at + 3000);
        const once = pruneWindow(window, opts, at);
        expect(pruneWindow(once, opts, at)).toEqual(once);
      }),
      runs,
    );
  });

  it('builds the same window from history in any order', () => {
    fc.assert(
      fc.property(
        options,
        times.chain((ts) =>
          fc.tuple(fc.constant(ts), fc.shuffledSubarray(ts, { minLength: ts.length })),
        ),
        now,
        (opts, [ts, shuffled], at) => {
          expect(windowFromHistory(shuffled, opts, at)).toEqual(windowFromHistory(ts, opts, at));
        },
      ),
      runs,
    );
  });

  it('builds from a sorted history the window that pruning gives', () => {
    fc.assert(
      fc.property(options, times, now, (opts, ts, at) => {
        const sorted = [...ts].sort((a, b) => a - b);
        expect(windowFromHistory(sorted, opts, at)).toEqual(
          pruneWindow({ restarts: sorted }, opts, at),
        );
      }),
      runs,
    );
  });

  it('gives the same verdicts from a window rebuilt from its own restarts', () => {
    fc.assert(
      fc.property(options, increasingTimes, fc.integer({ min: 0, max: 3000 }), (opts, ts, gap) => {
        let window: IntensityWindow = emptyWindow;
        for (const t of ts) window = tryRestart(window, opts, t).window;
        const at = (ts.at(-1) ?? 0) + gap;
        const rebuilt = windowFromHistory([...window.restarts].reverse(), opts, at);
        expect(tryRestart(rebuilt, opts, at)).toEqual(tryRestart(window, opts, at));
      }),
      runs,
    );
  });
});

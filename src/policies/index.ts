/**
 * `warden/policies`: the pure, serialisable policies Warden's actors and supervisors share
 * (backoff with jitter, restart intensity, restart strategy, a breaker's sliding window), for
 * tests, tools and planning delays. Using Warden never needs them.
 */
export { backoffDelay, resolveBackoff } from './backoff.js';
export type { BackoffOptions, ResolvedBackoff } from './backoff.js';
export { defaultIntensity, tryRestart, windowFromHistory } from './restartIntensity.js';
export type { IntensityOptions, IntensityWindow } from './restartIntensity.js';
export { planRestart, shouldRestart } from './strategy.js';
export type { ExitReason, RestartPlan, RestartType, Strategy } from './strategy.js';
export { emptyWindow, recordOutcome, tripCause, windowTotals } from './breakerWindow.js';
export type {
  TripCause,
  TripRules,
  WindowOptions,
  WindowState,
  WindowTotals,
} from './breakerWindow.js';

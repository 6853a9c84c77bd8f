/**
 * The circuit breaker's counting: a sliding window of call outcomes (count-based or time-based)
 * and the rules that say when the breaker must open. Everything here is a deterministic function
 * of plain, JSON-serialisable state and its arguments: time is passed in, nothing is read from a
 * clock, nothing is random. For speed on the hot path, `recordOutcome` updates the window in place
 * and returns it.
 */

/** Which calls the rates are measured over. */
export type WindowOptions =
  | { readonly type: 'count'; readonly size: number }
  | { readonly type: 'time'; readonly ms: number; readonly buckets: number };

/** When the breaker opens; a rule set to `false` is off. */
export interface TripRules {
  /** Open after this many failures in a row, whatever the window holds. */
  readonly consecutiveFailures: number | false;
  /** Open when failures are at least this share (0–1] of the window's calls. */
  readonly failureRate: number | false;
  /** Open when slow calls are at least this share (0–1] of the window's calls. */
  readonly slowCallRate: number | false;
  /** The rates are judged only once the window holds this many calls. */
  readonly minimumCalls: number;
}

/** Outcome codes kept in a count window: bit 0 = failed, bit 1 = slow; -1 = empty. */
type OutcomeCode = -1 | 0 | 1 | 2 | 3;

/** The last `size` outcomes, as a ring, with running totals. */
export interface CountWindowState {
  readonly type: 'count';
  outcomes: OutcomeCode[];
  next: number;
  calls: number;
  failures: number;
  slow: number;
  consecutiveFailures: number;
}

/** One slice of a time window: the calls whose time fell in `[epoch * width, (epoch + 1) * width)`. */
export interface Bucket {
  epoch: number;
  calls: number;
  failures: number;
  slow: number;
}

/** The outcomes of the last `ms`, in `buckets` slices. */
export interface TimeWindowState {
  readonly type: 'time';
  buckets: Bucket[];
  consecutiveFailures: number;
}

/** A breaker's window, as plain data. */
export type WindowState = CountWindowState | TimeWindowState;

/** What a window holds right now. */
export interface WindowTotals {
  readonly calls: number;
  readonly failures: number;
  readonly slow: number;
  readonly consecutiveFailures: number;
}

/** Why a breaker opened: the rule and the counts it saw, kept in the breaker's history. */
export interface TripCause {
  readonly rule: 'consecutive-failures' | 'failure-rate' | 'slow-call-rate';
  readonly calls: number;
  readonly failures: number;
  readonly slow: number;
  /** The rate that crossed the threshold, or the run of failures for `consecutive-failures`. */
  readonly value: number;
  readonly threshold: number;
}

/** An empty window. */
export function emptyWindow(options: WindowOptions): WindowState {
  if (options.type === 'count') {
    return {
      type: 'count',
      outcomes: new Array<OutcomeCode>(options.size).fill(-1),
      next: 0,
      calls: 0,
      failures: 0,
      slow: 0,
      consecutiveFailures: 0,
    };
  }
  return {
    type: 'time',
    buckets: Array.from({ length: options.buckets }, () => ({
      epoch: -1,
      calls: 0,
      failures: 0,
      slow: 0,
    })),
    consecutiveFailures: 0,
  };
}

function bucketWidth(options: { readonly ms: number; readonly buckets: number }): number {
  return options.ms / options.buckets;
}

/** Adds one call's outcome at time `now` (ms); returns the window, updated in place. */
export function recordOutcome(
  state: WindowState,
  options: WindowOptions,
  failed: boolean,
  slow: boolean,
  now: number,
): WindowState {
  state.consecutiveFailures = failed ? state.consecutiveFailures + 1 : 0;
  if (state.type === 'count') {
    const evicted = state.outcomes[state.next] ?? -1;
    if (evicted >= 0) {
      state.calls--;
      if ((evicted & 1) !== 0) state.failures--;
      if ((evicted & 2) !== 0) state.slow--;
    }
    state.outcomes[state.next] = ((failed ? 1 : 0) | (slow ? 2 : 0)) as OutcomeCode;
    state.next = (state.next + 1) % state.outcomes.length;
    state.calls++;
    if (failed) state.failures++;
    if (slow) state.slow++;
    return state;
  }
  if (options.type !== 'time') return state;
  const epoch = Math.floor(now / bucketWidth(options));
  const index = ((epoch % state.buckets.length) + state.buckets.length) % state.buckets.length;
  let bucket = state.buckets[index];
  if (bucket === undefined || bucket.epoch !== epoch) {
    bucket = { epoch, calls: 0, failures: 0, slow: 0 };
    state.buckets[index] = bucket;
  }
  bucket.calls++;
  if (failed) bucket.failures++;
  if (slow) bucket.slow++;
  return state;
}

/** The window's totals at time `now`: a time window counts only buckets younger than its span. */
export function windowTotals(
  state: WindowState,
  options: WindowOptions,
  now: number,
): WindowTotals {
  if (state.type === 'count') return state;
  if (options.type !== 'time') return { ...state, calls: 0, failures: 0, slow: 0 };
  const current = Math.floor(now / bucketWidth(options));
  const oldest = current - state.buckets.length + 1;
  let calls = 0;
  let failures = 0;
  let slow = 0;
  for (const bucket of state.buckets) {
    if (bucket.epoch < oldest || bucket.epoch > current) continue;
    calls += bucket.calls;
    failures += bucket.failures;
    slow += bucket.slow;
  }
  return { calls, failures, slow, consecutiveFailures: state.consecutiveFailures };
}

/** The rule that opens the breaker on these totals, or undefined when it stays closed. */
export function tripCause(totals: WindowTotals, rules: TripRules): TripCause | undefined {
  const { calls, failures, slow } = totals;
  if (
    rules.consecutiveFailures !== false &&
    totals.consecutiveFailures >= rules.consecutiveFailures
  ) {
    return {
      rule: 'consecutive-failures',
      calls,
      failures,
      slow,
      value: totals.consecutiveFailures,
      threshold: rules.consecutiveFailures,
    };
  }
  if (calls === 0 || calls < rules.minimumCalls) return undefined;
  if (rules.failureRate !== false && failures / calls >= rules.failureRate) {
    return {
      rule: 'failure-rate',
      calls,
      failures,
      slow,
      value: failures / calls,
      threshold: rules.failureRate,
    };
  }
  if (rules.slowCallRate !== false && slow / calls >= rules.slowCallRate) {
    return {
      rule: 'slow-call-rate',
      calls,
      failures,
      slow,
      value: slow / calls,
      threshold: rules.slowCallRate,
    };
  }
  return undefined;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptyWindow,
  recordOutcome,
  tripCause,
  windowTotals,
  type TripRules,
  type WindowOptions,
} from '../../src/policies/breakerWindow.js';

const rules = (overrides: Partial<TripRules> = {}): TripRules => ({
  consecutiveFailures: false,
  failureRate: 0.5,
  slowCallRate: false,
  minimumCalls: 1,
  ...overrides,
});

/** Replays outcomes (`f` failed, `s` slow success, `x` slow failure, `.` success) one ms apart. */
function replay(options: WindowOptions, outcomes: string, start = 0) {
  const window = emptyWindow(options);
  let now = start;
  for (const outcome of outcomes) {
    recordOutcome(
      window,
      options,
      outcome === 'f' || outcome === 'x',
      outcome === 's' || outcome === 'x',
      now,
    );
    now++;
  }
  return { window, now: now - 1 };
}

describe('count window', () => {
  const count: WindowOptions = { type: 'count', size: 4 };

  it.each([
    ['', 0, 0, 0],
    ['.', 1, 0, 0],
    ['f.f', 3, 2, 0],
    ['ffff', 4, 4, 0],
    ['ffff..', 4, 2, 0], // the two oldest failures left the window
    ['s.x.', 4, 1, 2],
    ['xxxx....', 4, 0, 0],
  ])('after %j holds %i calls, %i failures, %i slow', (outcomes, calls, failures, slow) => {
    const { window, now } = replay(count, outcomes);
    expect(windowTotals(window, count, now)).toMatchObject({ calls, failures, slow });
  });

  it('counts failures in a row and resets the run on a success', () => {
    expect(replay(count, 'ff.fff').window.consecutiveFailures).toBe(3);
    expect(replay(count, 'fff.').window.consecutiveFailures).toBe(0);
  });

  it('keeps totals equal to a recount of the last `size` outcomes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.constantFrom('.', 'f', 's', 'x'), { maxLength: 60 }),
        (size, outcomes) => {
          const options: WindowOptions = { type: 'count', size };
          const { window, now } = replay(options, outcomes.join(''));
          const last = outcomes.slice(-size);
          expect(windowTotals(window, options, now)).toMatchObject({
            calls: last.length,
            failures: last.filter((o) => o === 'f' || o === 'x').length,
            slow: last.filter((o) => o === 's' || o === 'x').length,
          });
          expect(JSON.parse(JSON.stringify(window))).toEqual(window); // plain, serialisable data
        },
      ),
    );
  });
});

describe('time window', () => {
  const time: WindowOptions = { type: 'time', ms: 1000, buckets: 10 };

  it('forgets calls older than its span, a bucket at a time', () => {
    const window = emptyWindow(time);
    recordOutcome(window, time, true, false, 0);
    recordOutcome(window, time, true, false, 550);
    recordOutcome(window, time, false, false, 990);
    expect(windowTotals(window, time, 999)).toMatchObject({ calls: 3, failures: 2 });
    // At 1000 ms the bucket [0, 100) has left the window.
    expect(windowTotals(window, time, 1000)).toMatchObject({ calls: 2, failures: 1 });
    expect(windowTotals(window, time, 1499)).toMatchObject({ calls: 2, failures: 1 });
    expect(windowTotals(window, time, 1500)).toMatchObject({ calls: 1, failures: 0 });
    expect(windowTotals(window, time, 5000)).toMatchObject({ calls: 0, failures: 0 });
  });

  it('reuses a bucket for a later slice of time', () => {
    const window = emptyWindow(time);
    recordOutcome(window, time, true, false, 10);
    recordOutcome(window, time, false, false, 1010); // the same bucket index, a new slice
    expect(windowTotals(window, time, 1010)).toMatchObject({ calls: 1, failures: 0 });
  });

  it('matches a recount of the calls within the span, for any times', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 400 }), failed: fc.boolean() }), {
          maxLength: 50,
        }),
        (calls) => {
          const window = emptyWindow(time);
          const times: { at: number; failed: boolean }[] = [];
          let now = 0;
          for (const call of calls) {
            now += call.gap;
            recordOutcome(window, time, call.failed, false, now);
            times.push({ at: now, failed: call.failed });
          }
          // A bucket is 100 ms: calls in the current bucket and the nine before it count.
          const oldest = (Math.floor(now / 100) - 9) * 100;
          const inside = times.filter((t) => t.at >= oldest);
          expect(windowTotals(window, time, now)).toMatchObject({
            calls: inside.length,
            failures: inside.filter((t) => t.failed).length,
          });
        },
      ),
    );
  });
});

describe('trip rules', () => {
  const totals = (calls: number, failures: number, slow = 0, consecutiveFailures = 0) => ({
    calls,
    failures,
    slow,
    consecutiveFailures,
  });

  it.each([
    ['below the minimum of calls', totals(9, 9), rules({ minimumCalls: 10 }), undefined],
    ['at the minimum, at the rate', totals(10, 5), rules({ minimumCalls: 10 }), 'failure-rate'],
    ['just under the rate', totals(10, 4), rules({ minimumCalls: 10 }), undefined],
    ['a rate rule turned off', totals(10, 10), rules({ failureRate: false }), undefined],
    ['slow calls at their rate', totals(10, 0, 8), rules({ slowCallRate: 0.8 }), 'slow-call-rate'],
    ['slow calls under their rate', totals(10, 0, 7), rules({ slowCallRate: 0.8 }), undefined],
    [
      'failures in a row, below the minimum of calls',
      totals(3, 3, 0, 3),
      rules({ consecutiveFailures: 3, minimumCalls: 100 }),
      'consecutive-failures',
    ],
    [
      'a run shorter than the rule',
      totals(3, 2, 0, 2),
      rules({ consecutiveFailures: 3, failureRate: false }),
      undefined,
    ],
    ['an empty window', totals(0, 0), rules({ minimumCalls: 0 }), undefined],
  ] as const)('%s', (_name, given, rule, expected) => {
    expect(tripCause(given, rule)?.rule).toBe(expected);
  });

  it('reports the counts and the rate that crossed the threshold', () => {
    expect(tripCause(totals(20, 12), rules({ minimumCalls: 10 }))).toEqual({
      rule: 'failure-rate',
      calls: 20,
      failures: 12,
      slow: 0,
      value: 0.6,
      threshold: 0.5,
    });
  });

  it('never trips below the minimum of calls without a consecutive rule', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (minimum, failures) => {
          const calls = Math.min(failures, minimum - 1);
          expect(tripCause(totals(calls, calls), rules({ minimumCalls: minimum }))).toBeUndefined();
        },
      ),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, WardenError } from '../../src/errors.js';
import { backoffDelay, resolveBackoff, type ResolvedBackoff } from '../../src/policies/backoff.js';

/** Fixed seed: the properties explore the same cases on every run. */
const runs = { seed: 20_240_601, numRuns: 500 } as const;

/** The highest attempt count a job may be given (`attempts` is checked against 1_000_000). */
const maxAttempt = 1_000_000;

function delays(policy: ResolvedBackoff, attempts: readonly number[], random = 0): number[] {
  return attempts.map((attempt) => backoffDelay(policy, attempt, random));
}

describe('resolveBackoff', () => {
  it('fills in no jitter for a fixed policy', () => {
    expect(resolveBackoff('backoff', { type: 'fixed', delayMs: 250 })).toEqual({
      type: 'fixed',
      delayMs: 250,
      jitter: 0,
    });
  });

  it('fills in factor 2, a one-hour cap and no jitter for an exponential policy', () => {
    expect(resolveBackoff('backoff', { type: 'exponential', delayMs: 100 })).toEqual({
      type: 'exponential',
      delayMs: 100,
      factor: 2,
      maxDelayMs: 3_600_000,
      jitter: 0,
    });
  });

  it('keeps every field it is given', () => {
    expect(
      resolveBackoff('backoff', {
        type: 'exponential',
        delayMs: 10,
        factor: 1.5,
        maxDelayMs: 10,
        jitter: 1,
      }),
    ).toEqual({ type: 'exponential', delayMs: 10, factor: 1.5, maxDelayMs: 10, jitter: 1 });
  });

  it.each([
    {
      what: 'an unknown type',
      input: { type: 'linear', delayMs: 10 },
      message: "Expected `retry.backoff.type` to be `'fixed'` or `'exponential'`, got `linear`",
    },
    {
      what: 'a missing type',
      input: { delayMs: 10 },
      message: "Expected `retry.backoff.type` to be `'fixed'` or `'exponential'`, got `undefined`",
    },
    {
      what: 'a missing delayMs',
      input: { type: 'fixed' },
      message:
        'Expected `retry.backoff.delayMs` to be a whole number from 0 to 2147483647, got `undefined`',
    },
    {
      what: 'a negative delayMs',
      input: { type: 'fixed', delayMs: -1 },
      message:
        'Expected `retry.backoff.delayMs` to be a whole number from 0 to 2147483647, got `-1` (number)',
    },
    {
      what: 'a delayMs given as a string',
      input: { type: 'fixed', delayMs: '100' },
      message:
        'Expected `retry.backoff.delayMs` to be a whole number from 0 to 2147483647, got `100`',
    },
    {
      what: 'jitter above 1',
      input: { type: 'fixed', delayMs: 10, jitter: 1.5 },
      message:
        'Expected `retry.backoff.jitter` to be a finite number from 0 to 1, got `1.5` (number)',
    },
    {
      what: 'negative jitter',
      input: { type: 'fixed', delayMs: 10, jitter: -0.1 },
      message:
        'Expected `retry.backoff.jitter` to be a finite number from 0 to 1, got `-0.1` (number)',
    },
    {
      what: 'a factor below 1',
      input: { type: 'exponential', delayMs: 10, factor: 0.5 },
      message:
        'Expected `retry.backoff.factor` to be a finite number from 1 and up, got `0.5` (number)',
    },
    {
      what: 'maxDelayMs below delayMs',
      input: { type: 'exponential', delayMs: 100, maxDelayMs: 99 },
      message:
        'Expected `retry.backoff.maxDelayMs` to be a whole number from 100 to 2147483647, got `99` (number)',
    },
    {
      what: 'a NaN delayMs',
      input: { type: 'fixed', delayMs: Number.NaN },
      message:
        'Expected `retry.backoff.delayMs` to be a whole number from 0 to 2147483647, got `NaN` (number)',
    },
    {
      what: 'an infinite maxDelayMs',
      input: { type: 'exponential', delayMs: 10, maxDelayMs: Number.POSITIVE_INFINITY },
      message:
        'Expected `retry.backoff.maxDelayMs` to be a whole number from 10 to 2147483647, got `Infinity` (number)',
    },
    {
      what: 'a number instead of an object',
      input: 5,
      message: 'Expected `retry.backoff` to be an options object, got `5` (number)',
    },
    {
      what: 'null',
      input: null,
      message: 'Expected `retry.backoff` to be an options object, got `null`',
    },
    {
      what: 'an array',
      input: [],
      message: 'Expected `retry.backoff` to be an options object, got `[]` (array)',
    },
  ])('rejects $what, quoting the bad value', ({ input, message }) => {
    let thrown: unknown;
    try {
      resolveBackoff('retry.backoff', input);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionError);
    expect(WardenError.is(thrown)).toBe(true);
    expect((thrown as InvalidOptionError).code).toBe('INVALID_OPTION');
    expect((thrown as InvalidOptionError).message).toBe(message);
  });
});

describe('backoffDelay', () => {
  describe('fixed', () => {
    const fixed = resolveBackoff('backoff', { type: 'fixed', delayMs: 1000 });

    it('waits the same time after every attempt', () => {
      expect(delays(fixed, [1, 2, 3, 10, 1000])).toEqual([1000, 1000, 1000, 1000, 1000]);
    });

    it('takes up to the jitter fraction away', () => {
      const jittered = resolveBackoff('backoff', { type: 'fixed', delayMs: 1000, jitter: 0.2 });
      expect([0, 0.25, 0.5, 0.999].map((r) => backoffDelay(jittered, 1, r))).toEqual([
        1000, 950, 900, 800,
      ]);
    });
  });

  describe('exponential', () => {
    it('doubles by default', () => {
      const policy = resolveBackoff('backoff', { type: 'exponential', delayMs: 100 });
      expect(delays(policy, [1, 2, 3, 4, 5, 6])).toEqual([100, 200, 400, 800, 1600, 3200]);
    });

    it('grows by the given factor', () => {
      const policy = resolveBackoff('backoff', { type: 'exponential', delayMs: 100, factor: 3 });
      expect(delays(policy, [1, 2, 3, 4])).toEqual([100, 300, 900, 2700]);
    });

    it('stays put with factor 1', () => {
      const policy = resolveBackoff('backoff', { type: 'exponential', delayMs: 70, factor: 1 });
      expect(delays(policy, [1, 2, 50])).toEqual([70, 70, 70]);
    });

    it('stops growing at maxDelayMs', () => {
      const policy = resolveBackoff('backoff', {
        type: 'exponential',
        delayMs: 100,
        maxDelayMs: 500,
      });
      expect(delays(policy, [1, 2, 3, 4, 5, 100, 10_000])).toEqual([
        100, 200, 400, 500, 500, 500, 500,
      ]);
    });

    it('treats attempt 0 like attempt 1', () => {
      const policy = resolveBackoff('backoff', { type: 'exponential', delayMs: 100 });
      expect(backoffDelay(policy, 0, 0)).toBe(100);
    });

    it('applies jitter after the cap', () => {
      const policy = resolveBackoff('backoff', {
        type: 'exponential',
        delayMs: 100,
        maxDelayMs: 500,
        jitter: 0.5,
      });
      expect([0, 0.5, 0.999].map((r) => backoffDelay(policy, 10, r))).toEqual([500, 375, 250]);
    });

    it('waits 0 ms after any attempt when delayMs is 0', () => {
      const policy = resolveBackoff('backoff', { type: 'exponential', delayMs: 0 });
      // 2 ** 1024 overflows to Infinity and 0 * Infinity is NaN.
      expect(delays(policy, [1, 2, 1025, 1026, maxAttempt])).toEqual([0, 0, 0, 0, 0]);
    });
  });

  describe('properties', () => {
    const exponentialNoJitter = fc.record({
      type: fc.constant('exponential' as const),
      delayMs: fc.integer({ min: 0, max: 86_400_000 }),
      factor: fc.double({ min: 1, max: 10, noNaN: true }),
      extra: fc.integer({ min: 0, max: 86_400_000 }),
    });

    const anyPolicy = fc.oneof(
      fc.record({
        type: fc.constant('fixed' as const),
        delayMs: fc.integer({ min: 0, max: 86_400_000 }),
        jitter: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      fc.record({
        type: fc.constant('exponential' as const),
        delayMs: fc.integer({ min: 0, max: 86_400_000 }),
        factor: fc.double({ min: 1, max: 10, noNaN: true }),
        extra: fc.integer({ min: 0, max: 86_400_000 }),
        jitter: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
    );

    const attempt = fc.integer({ min: 1, max: maxAttempt });
    const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

    function resolve(input: {
      type: 'fixed' | 'exponential';
      delayMs: number;
      factor?: number;
      extra?: number;
      jitter?: number;
    }): ResolvedBackoff {
      const { extra, ...rest } = input;
      return resolveBackoff(
        'backoff',
        extra === undefined ? rest : { ...rest, maxDelayMs: input.delayMs + extra },
      );
    }

    function baseOf(policy: ResolvedBackoff, n: number): number {
      return backoffDelay({ ...policy, jitter: 0 }, n, 0);
    }

    it('gives a whole number of ms within [(1 - jitter) * base, base], give or take rounding', () => {
      fc.assert(
        fc.property(anyPolicy, attempt, random, (input, n, r) => {
          const policy = resolve(input);
          const base = baseOf(policy, n);
          const delay = backoffDelay(policy, n, r);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeLessThanOrEqual(base);
          expect(delay).toBeGreaterThanOrEqual(Math.floor((1 - policy.jitter) * base));
        }),
        runs,
      );
    });

    it('never waits longer than maxDelayMs', () => {
      fc.assert(
        fc.property(anyPolicy, attempt, random, (input, n, r) => {
          const policy = resolve(input);
          const cap = policy.type === 'exponential' ? policy.maxDelayMs : policy.delayMs;
          const delay = backoffDelay(policy, n, r);
          expect(Number.isFinite(delay)).toBe(true);
          expect(delay).toBeLessThanOrEqual(cap);
          expect(delay).toBeGreaterThanOrEqual(0);
        }),
        runs,
      );
    });

    it('never shrinks from one attempt to the next without jitter', () => {
      fc.assert(
        fc.property(exponentialNoJitter, attempt, (input, n) => {
          const policy = resolve(input);
          expect(backoffDelay(policy, n + 1, 0)).toBeGreaterThanOrEqual(backoffDelay(policy, n, 0));
        }),
        runs,
      );
    });

    it('gives the un-jittered delay when random is 0', () => {
      fc.assert(
        fc.property(anyPolicy, attempt, (input, n) => {
          const policy = resolve(input);
          expect(backoffDelay(policy, n, 0)).toBe(baseOf(policy, n));
        }),
        runs,
      );
    });
  });
});

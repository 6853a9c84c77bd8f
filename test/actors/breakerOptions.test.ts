import { describe, expect, it } from 'vitest';
import {
  defaultBreakerOptions,
  resolveBreakerOptions,
  resolveCallOptions,
} from '../../src/actors/breakerOptions.js';

describe('resolveBreakerOptions', () => {
  it('takes every default from defaultBreakerOptions, null for none', () => {
    expect(resolveBreakerOptions('api', undefined)).toEqual({
      window: { type: 'count', size: 20 },
      rules: {
        failureRate: 0.5,
        slowCallRate: false,
        consecutiveFailures: false,
        minimumCalls: 10,
      },
      slowCallMs: null,
      openMs: defaultBreakerOptions.openMs,
      halfOpen: { calls: 1, successes: 1, maxWaitMs: 60_000 },
      timeoutMs: null,
      isFailure: null,
      fallback: null,
      cacheSize: 1000,
    });
  });

  it("merges a partial openMs backoff over the default's cap and jitter", () => {
    const { openMs } = resolveBreakerOptions('api', {
      openMs: { type: 'exponential', delayMs: 1000 },
    });
    expect(openMs).toEqual({
      type: 'exponential',
      delayMs: 1000,
      factor: 2,
      maxDelayMs: 300_000,
      jitter: 0.1,
    });
  });

  it('keeps a number of ms as a fixed open period without jitter', () => {
    expect(resolveBreakerOptions('api', { openMs: 2500 }).openMs).toEqual({
      type: 'fixed',
      delayMs: 2500,
      jitter: 0,
    });
  });
});

describe('resolveCallOptions', () => {
  it("falls back to the breaker's timeout and fallback, null for none", () => {
    const breaker = resolveBreakerOptions('api', { timeoutMs: 50 });
    expect(resolveCallOptions(undefined, breaker)).toEqual({
      signal: null,
      timeoutMs: 50,
      fallback: null,
    });
  });
});

import { describe, expect, it } from 'vitest';
import {
  defaultAcquireOptions,
  defaultPoolOptions,
  resolveAcquireOptions,
  resolvePoolOptions,
} from '../../src/actors/poolOptions.js';

const create = (): number => 1;

describe('resolvePoolOptions', () => {
  it('takes every option but create from defaultPoolOptions, null for none', () => {
    expect(resolvePoolOptions('p', { create })).toEqual({ create, ...defaultPoolOptions });
    expect(defaultPoolOptions).toMatchObject({
      destroy: null,
      validate: null,
      isBroken: null,
      maxUses: null,
      maxAgeMs: null,
      healthCheckIntervalMs: null,
    });
  });

  it("merges a partial createBackoff over the default's 5 s cap and jitter", () => {
    const { createBackoff } = resolvePoolOptions('p', {
      create,
      createBackoff: { type: 'exponential', delayMs: 50 },
    });
    expect(createBackoff).toEqual({
      type: 'exponential',
      delayMs: 50,
      factor: 2,
      maxDelayMs: 5_000,
      jitter: 0.2,
    });
  });
});

describe('resolveAcquireOptions', () => {
  it("takes the pool's acquireTimeoutMs, priority 0 and no signal by default", () => {
    expect(defaultAcquireOptions).toEqual({ signal: null, priority: 0, timeoutMs: null });
    expect(resolveAcquireOptions({}, 1234)).toEqual({ signal: null, priority: 0, timeoutMs: 1234 });
  });
});

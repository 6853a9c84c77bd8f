import { describe, expect, it } from 'vitest';
import {
  resolveAcquireOptions,
  resolveDrainTimeout,
  resolvePoolOptions,
} from '../../src/actors/poolOptions.js';
import { invalidOption } from '../helpers.js';

const create = (): string => 'conn';

describe('resolvePoolOptions', () => {
  it('keeps what it is given', () => {
    const validate = (): boolean => true;
    expect(
      resolvePoolOptions('db', {
        create,
        validate,
        validateOnBorrow: true,
        min: 2,
        max: 2,
        maxUses: 5,
        maxAgeMs: 1000,
        healthCheckIntervalMs: 500,
        saturation: 1,
        drainTimeoutMs: 0,
        supervision: { maxRestarts: 0, withinMs: 1 },
      }),
    ).toMatchObject({
      validate,
      validateOnBorrow: true,
      min: 2,
      max: 2,
      maxUses: 5,
      maxAgeMs: 1000,
      healthCheckIntervalMs: 500,
      saturation: 1,
      drainTimeoutMs: 0,
      supervision: { maxRestarts: 0, withinMs: 1 },
    });
  });

  it.each([
    [
      'no options',
      undefined,
      /^Expected `pool\('db'\) options` to be an options object with `create`/,
    ],
    ['no create', {}, /^Expected `pool\('db'\)\.create` to be a function/],
    [
      'a min above max',
      { create, min: 3, max: 2 },
      /`pool\('db'\)\.min` to be a whole number from 0 to 2/,
    ],
    ['a max of 0', { create, max: 0 }, /`pool\('db'\)\.max` to be a whole number from 1 to 100000/],
    [
      'a validateOnBorrow that is not a boolean',
      { create, validateOnBorrow: 'yes' },
      /`pool\('db'\)\.validateOnBorrow` to be true or false, got `yes`/,
    ],
    [
      'validateOnBorrow without validate',
      { create, validateOnBorrow: true },
      /`pool\('db'\)\.validateOnBorrow` to be false unless `validate` is given/,
    ],
    [
      'a saturation above 1',
      { create, saturation: 1.5 },
      /`pool\('db'\)\.saturation` to be a finite number from 0 to 1/,
    ],
    [
      'an acquire timeout of 0',
      { create, acquireTimeoutMs: 0 },
      /`pool\('db'\)\.acquireTimeoutMs`/,
    ],
    [
      'a destroy that is not a function',
      { create, destroy: 'close' },
      /`pool\('db'\)\.destroy` to be a function/,
    ],
    ['an unknown key', { create, maxSize: 3 }, /`pool\('db'\)\.maxSize` to be a known option/],
    [
      'an unknown supervision key',
      { create, supervision: { maxRestart: 1 } },
      /`pool\('db'\)\.supervision\.maxRestart`.*did you mean `maxRestarts`/,
    ],
  ])('refuses %s', (_, options, message) => {
    expect(invalidOption(() => resolvePoolOptions('db', options))).toMatch(message);
  });
});

describe('resolveAcquireOptions', () => {
  it('keeps a signal, a priority and a timeout', () => {
    const { signal } = new AbortController();
    expect(resolveAcquireOptions({ signal, priority: -3, timeoutMs: 10 }, 3000)).toEqual({
      signal,
      priority: -3,
      timeoutMs: 10,
    });
  });

  it.each([
    [
      'a signal that is not an AbortSignal',
      { signal: { aborted: false } },
      /`acquire options\.signal` to be an AbortSignal/,
    ],
    ['a fractional priority', { priority: 0.5 }, /`acquire options\.priority`/],
    ['a timeout of 0', { timeoutMs: 0 }, /`acquire options\.timeoutMs`/],
    ['an unknown key', { timeout: 5 }, /`acquire options\.timeout`.*did you mean `timeoutMs`/],
  ])('refuses %s', (_, options, message) => {
    expect(invalidOption(() => resolveAcquireOptions(options as never, 3000))).toMatch(message);
  });
});

describe('resolveDrainTimeout', () => {
  it('defaults to the pool’s drainTimeoutMs and takes 0', () => {
    expect(resolveDrainTimeout(undefined, 10_000)).toBe(10_000);
    expect(resolveDrainTimeout({ timeoutMs: 0 }, 10_000)).toBe(0);
  });

  it('refuses a negative timeout and an unknown key', () => {
    expect(invalidOption(() => resolveDrainTimeout({ timeoutMs: -1 }, 10_000))).toMatch(
      /`drain options\.timeoutMs`/,
    );
    expect(invalidOption(() => resolveDrainTimeout({ grace: 5 }, 10_000))).toMatch(
      /`drain options\.grace`/,
    );
  });
});

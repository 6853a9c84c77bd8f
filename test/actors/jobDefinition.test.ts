import { describe, expect, it } from 'vitest';
import {
  checkProgress,
  defaultJobOptions,
  maxTimerMs,
  resolveJobDefinition,
} from '../../src/actors/jobDefinition.js';
import { InvalidOptionError } from '../../src/errors.js';
import { invalidOption } from '../helpers.js';

const run = (): string => 'done';

describe('resolveJobDefinition', () => {
  it('fills in every default', () => {
    const definition = resolveJobDefinition('email', { run }, 8);
    expect(definition).toMatchObject({
      type: 'email',
      run,
      timeoutMs: undefined,
      attempts: defaultJobOptions.attempts,
      backoff: defaultJobOptions.backoff,
      fallback: undefined,
      validate: null,
      concurrency: 8,
      breaker: undefined,
    });
    expect(definition.retryable(new Error('any'))).toBe(true);
  });

  it('keeps what it is given', () => {
    const fallback = (): string => 'fallback';
    const validate = (): boolean => true;
    const retryable = (): boolean => false;
    const definition = resolveJobDefinition(
      'email',
      {
        run,
        timeoutMs: maxTimerMs,
        retry: { attempts: 1_000_000, retryable },
        fallback,
        validate,
        concurrency: 100_000,
        breaker: 'smtp',
      },
      8,
    );
    expect(definition).toMatchObject({
      timeoutMs: maxTimerMs,
      attempts: 1_000_000,
      retryable,
      fallback,
      validate,
      concurrency: 100_000,
      breaker: 'smtp',
    });
  });

  it.each([
    ['an empty type', '', { run }, /^Expected `type` to be a non-empty string/],
    [
      'no options',
      'email',
      undefined,
      /^Expected `defineJob\('email'\) options` to be an options object with `run`/,
    ],
    [
      'options that are not an object',
      'email',
      5,
      /^Expected `defineJob\('email'\) options` to be an options object/,
    ],
    ['no run', 'email', {}, /^Expected `defineJob\('email'\)\.run` to be a function/],
    [
      'a timeout of 0',
      'email',
      { run, timeoutMs: 0 },
      /`defineJob\('email'\)\.timeoutMs` to be a whole number from 1 to 2147483647/,
    ],
    [
      'a timeout past the longest timer',
      'email',
      { run, timeoutMs: maxTimerMs + 1 },
      /`defineJob\('email'\)\.timeoutMs`/,
    ],
    [
      '0 attempts',
      'email',
      { run, retry: { attempts: 0 } },
      /`defineJob\('email'\)\.retry\.attempts` to be a whole number from 1 to 1000000/,
    ],
    [
      'a retry that is not an object',
      'email',
      { run, retry: 3 },
      /`defineJob\('email'\)\.retry` to be an options object/,
    ],
    [
      'a retryable that is not a function',
      'email',
      { run, retry: { retryable: true } },
      /`defineJob\('email'\)\.retry\.retryable` to be a function/,
    ],
    [
      'a fallback that is not a function',
      'email',
      { run, fallback: 'x' },
      /`defineJob\('email'\)\.fallback` to be a function/,
    ],
    [
      'a validate that is not a function',
      'email',
      { run, validate: {} },
      /`defineJob\('email'\)\.validate` to be a function/,
    ],
    [
      'a concurrency of 0',
      'email',
      { run, concurrency: 0 },
      /`defineJob\('email'\)\.concurrency` to be a whole number from 1 to 100000/,
    ],
    [
      'an empty breaker name',
      'email',
      { run, breaker: '' },
      /`defineJob\('email'\)\.breaker` to be a non-empty string/,
    ],
    [
      'an unknown key',
      'email',
      { run, timeout: 5 },
      /`defineJob\('email'\)\.timeout` to be a known option \(did you mean `timeoutMs`\?\)/,
    ],
    [
      'an unknown retry key',
      'email',
      { run, retry: { attempt: 2 } },
      /`defineJob\('email'\)\.retry\.attempt` to be a known option \(did you mean `attempts`\?\)/,
    ],
  ])('refuses %s', (_, type, options, message) => {
    expect(invalidOption(() => resolveJobDefinition(type, options, 8))).toMatch(message);
  });

  it('refuses a type name longer than 200 characters', () => {
    expect(() => resolveJobDefinition('x'.repeat(201), { run }, 8)).toThrow(InvalidOptionError);
    expect(resolveJobDefinition('x'.repeat(200), { run }, 8).type).toHaveLength(200);
  });
});

describe('checkProgress', () => {
  it('passes done alone, or done with a total', () => {
    expect(checkProgress(0, undefined)).toEqual({ done: 0 });
    expect(checkProgress(2.5, 10)).toEqual({ done: 2.5, total: 10 });
  });

  it.each([
    ['a negative done', -1, undefined, 'progress done'],
    ['a done of NaN', Number.NaN, undefined, 'progress done'],
    ['a done that is a string', '1', undefined, 'progress done'],
    ['an infinite total', 1, Number.POSITIVE_INFINITY, 'progress total'],
    ['a negative total', 1, -5, 'progress total'],
    ['a total of null', 1, null, 'progress total'],
  ])('refuses %s, naming the argument', (_, done, total, name) => {
    expect(invalidOption(() => checkProgress(done, total))).toMatch(
      new RegExp(`^Expected \`${name}\` to be a finite number from 0 and up, got `),
    );
  });
});

describe('resolveJobDefinition: a partial retry.backoff', () => {
  // Issue 9 §4: a partial backoff used to fall back to factor 2, a one-hour cap and no jitter.
  it('merges a partial retry.backoff field by field over the default, keeping its jitter and cap', () => {
    const { backoff } = resolveJobDefinition(
      'report',
      { run, retry: { backoff: { type: 'exponential', delayMs: 500 } } },
      8,
    );
    expect(backoff).toEqual({
      type: 'exponential',
      delayMs: 500,
      factor: 2,
      maxDelayMs: 300_000,
      jitter: 0.2,
    });
  });

  it('keeps what a partial backoff gives and takes only the rest from the default', () => {
    const { backoff } = resolveJobDefinition(
      'report',
      { run, retry: { backoff: { type: 'exponential', delayMs: 500, jitter: 0, factor: 3 } } },
      8,
    );
    expect(backoff).toEqual({
      type: 'exponential',
      delayMs: 500,
      factor: 3,
      maxDelayMs: 300_000,
      jitter: 0,
    });
  });

  it("gives a fixed backoff the default's jitter", () => {
    const { backoff } = resolveJobDefinition(
      'report',
      { run, retry: { backoff: { type: 'fixed', delayMs: 500 } } },
      8,
    );
    expect(backoff).toEqual({ type: 'fixed', delayMs: 500, jitter: 0.2 });
  });

  it('raises the inherited cap to a first delay above it rather than refusing it', () => {
    const { backoff } = resolveJobDefinition(
      'report',
      { run, retry: { backoff: { type: 'exponential', delayMs: 600_000 } } },
      8,
    );
    expect(backoff).toMatchObject({ delayMs: 600_000, maxDelayMs: 600_000 });
  });

  it('still refuses a cap it is given below the first delay, naming the field', () => {
    expect(() =>
      resolveJobDefinition(
        'report',
        { run, retry: { backoff: { type: 'exponential', delayMs: 500, maxDelayMs: 100 } } },
        8,
      ),
    ).toThrow(
      "Expected `defineJob('report').retry.backoff.maxDelayMs` to be a whole number from 500 to 2147483647, got `100` (number)",
    );
  });
});

import { describe, expect, it } from 'vitest';
import { resolveJobDefinition, type JobDefinition } from '../../src/actors/jobDefinition.js';
import { createManualClock } from '../../src/clock.js';
import {
  InvalidOptionError,
  InvalidPayloadError,
  UnknownJobTypeError,
  WardenError,
} from '../../src/errors.js';
import {
  defaultEnqueueOptions,
  prepareJob,
  prepareJobs,
  resolveEnqueueOptions,
  type EnqueueScope,
} from '../../src/facade/enqueueChecks.js';

const now = 1_700_000_000_000;

/** A scope with job types `email` (3 attempts) and, given `validate`, `checked`. */
function scope(validate?: JobDefinition['validate']): EnqueueScope {
  const definitions = new Map([['email', resolveJobDefinition('email', { run: () => 1 }, 8)]]);
  if (validate !== undefined) {
    definitions.set('checked', resolveJobDefinition('checked', { run: () => 1, validate }, 8));
  }
  return { definitions, clock: createManualClock(now) };
}

/** What `fn` throws, checked to be a Warden error; fails when it throws nothing. */
function refusal(fn: () => unknown): WardenError {
  try {
    fn();
  } catch (error) {
    expect(WardenError.is(error)).toBe(true);
    return error as WardenError;
  }
  throw new Error('expected a refusal');
}

describe('prepareJob', () => {
  it('builds a queued row with the defaults', () => {
    expect(prepareJob(scope(), 'email', { to: 'ada' }, undefined)).toEqual({
      type: 'email',
      status: 'queued',
      payloadJson: '{"to":"ada"}',
      priority: 0,
      runAt: now,
      maxAttempts: 3,
      idempotencyKey: null,
      at: now,
      traceparent: null,
      tracestate: null,
    });
  });

  it('schedules a job with delayMs, or runAt as a number or a Date', () => {
    expect(prepareJob(scope(), 'email', {}, { delayMs: 500 })).toMatchObject({
      status: 'scheduled',
      runAt: now + 500,
    });
    expect(prepareJob(scope(), 'email', {}, { runAt: now + 1000.4 })).toMatchObject({
      status: 'scheduled',
      runAt: now + 1000,
    });
    expect(prepareJob(scope(), 'email', {}, { runAt: new Date(now + 2000) })).toMatchObject({
      status: 'scheduled',
      runAt: now + 2000,
    });
  });

  it('queues at once a job whose runAt has passed, or whose delay is 0', () => {
    expect(prepareJob(scope(), 'email', {}, { runAt: now - 5000 })).toMatchObject({
      status: 'queued',
      runAt: now,
    });
    expect(prepareJob(scope(), 'email', {}, { delayMs: 0 })).toMatchObject({ status: 'queued' });
  });

  it('keeps priority, attempts and the idempotency key', () => {
    expect(
      prepareJob(scope(), 'email', {}, { priority: -5, attempts: 1, idempotencyKey: 'k' }),
    ).toMatchObject({ priority: -5, maxAttempts: 1, idempotencyKey: 'k' });
  });

  it.each([
    ['a type that is not a string', 5, {}, undefined, InvalidOptionError, /`type`/],
    ['a type never defined', 'sms', {}, undefined, UnknownJobTypeError, /`sms`/],
    ['options that are not an object', 'email', {}, 'soon', InvalidOptionError, /`options`/],
    [
      'an unknown option',
      'email',
      {},
      { priorty: 1 },
      InvalidOptionError,
      /did you mean `priority`/,
    ],
    [
      'a payload that is not JSON',
      'email',
      { at: new Map() },
      undefined,
      InvalidPayloadError,
      /^cannot enqueue `email`: /,
    ],
    [
      'both delayMs and runAt',
      'email',
      {},
      { delayMs: 1, runAt: now },
      InvalidOptionError,
      /`runAt` to be left out when `delayMs` is given/,
    ],
    ['a negative delay', 'email', {}, { delayMs: -1 }, InvalidOptionError, /`delayMs`/],
    [
      'a delay past 100 years',
      'email',
      {},
      { delayMs: 3_155_760_000_001 },
      InvalidOptionError,
      /`delayMs`/,
    ],
    [
      'an invalid Date',
      'email',
      {},
      { runAt: new Date(Number.NaN) },
      InvalidOptionError,
      /`runAt`/,
    ],
    [
      'a runAt that is a string',
      'email',
      {},
      { runAt: '2030-01-01' },
      InvalidOptionError,
      /`runAt`/,
    ],
    [
      'a runAt past 100 years ahead',
      'email',
      {},
      { runAt: now + 3_155_760_000_001 },
      InvalidOptionError,
      /`runAt`/,
    ],
    ['a fractional priority', 'email', {}, { priority: 1.5 }, InvalidOptionError, /`priority`/],
    [
      'a priority past 32 bits',
      'email',
      {},
      { priority: 2 ** 31 },
      InvalidOptionError,
      /`priority`/,
    ],
    ['0 attempts', 'email', {}, { attempts: 0 }, InvalidOptionError, /`attempts`/],
    [
      'an empty idempotency key',
      'email',
      {},
      { idempotencyKey: '' },
      InvalidOptionError,
      /`idempotencyKey`/,
    ],
  ])('refuses %s', (_, type, payload, options, errorClass, message) => {
    const error = refusal(() => prepareJob(scope(), type, payload, options));
    expect(error).toBeInstanceOf(errorClass);
    expect(error.message).toMatch(message);
  });

  it('runs the type’s validate: false or a throw refuses the payload, quoting it', () => {
    const validate = (payload: unknown): boolean => {
      if ((payload as { to?: unknown }).to === 'throw') throw new Error('no such address');
      return (payload as { to?: unknown }).to !== 'nobody';
    };
    expect(prepareJob(scope(validate), 'checked', { to: 'ada' }, undefined).type).toBe('checked');
    const refused = refusal(() =>
      prepareJob(scope(validate), 'checked', { to: 'nobody' }, undefined),
    );
    expect(refused).toBeInstanceOf(InvalidPayloadError);
    expect(refused.message).toBe('`checked` rejected its payload `{"to":"nobody"}` (object)');
    const thrown = refusal(() =>
      prepareJob(scope(validate), 'checked', { to: 'throw' }, undefined),
    );
    expect(thrown).toBeInstanceOf(InvalidPayloadError);
    expect(thrown.message).toBe(
      '`checked` rejected its payload `{"to":"throw"}` (object): no such address',
    );
    expect(thrown.cause).toMatchObject({ message: 'no such address' });
  });

  it('refuses an asynchronous validate, whose answer cannot hold up the check', () => {
    const validate = (() => Promise.resolve(false)) as unknown as JobDefinition['validate'];
    const error = refusal(() => prepareJob(scope(validate), 'checked', {}, undefined));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain('a synchronous function returning true or false');
  });

  it('names the item of an enqueueMany call in each refusal', () => {
    const error = refusal(() => prepareJob(scope(), 'email', {}, { priority: 'high' }, 3));
    expect(error.message).toMatch(/^Expected `items\[3\]\.priority`/);
  });
});

/** `[item, <hole>, item]`: a sparse array, whose hole `map()` would skip. */
function holed(): unknown[] {
  const items: unknown[] = [{ type: 'email', payload: 1 }];
  items[2] = { type: 'email', payload: 3 };
  return items;
}

describe('prepareJobs', () => {
  it('builds every row, in order', () => {
    const rows = prepareJobs(scope(), [
      { type: 'email', payload: { n: 1 } },
      { type: 'email', payload: { n: 2 }, options: { priority: 2 } },
    ]);
    expect(rows.map((row) => [row.payloadJson, row.priority])).toEqual([
      ['{"n":1}', 0],
      ['{"n":2}', 2],
    ]);
  });

  it('builds nothing from an empty list', () => {
    expect(prepareJobs(scope(), [])).toEqual([]);
  });

  it.each([
    ['a list that is not an array', { type: 'email' }, /^Expected `items` to be an array/],
    [
      'a hole in a sparse array',
      holed(),
      /`items\[1\]` to be a \{ type, payload, options \} object/,
    ],
    ['an item that is not an object', ['email'], /`items\[0\]` to be an options object/],
    [
      'an unknown item key',
      [{ type: 'email', payload: 1, option: {} }],
      /`items\[0\]\.option`.*did you mean `options`/,
    ],
    [
      'a bad item after good ones',
      [
        { type: 'email', payload: 1 },
        { type: 'sms', payload: 2 },
      ],
      /`sms`/,
    ],
  ])('refuses %s', (_, items, message) => {
    expect(refusal(() => prepareJobs(scope(), items)).message).toMatch(message);
  });
});

describe('resolveEnqueueOptions', () => {
  it('runs now, at priority 0, with no key and the type’s attempts by default', () => {
    expect(resolveEnqueueOptions(undefined, 1000)).toEqual(defaultEnqueueOptions);
    expect(defaultEnqueueOptions).toEqual({
      delayMs: null,
      runAt: null,
      priority: 0,
      attempts: null,
      idempotencyKey: null,
      traceparent: null,
      tracestate: null,
    });
  });

  it('turns a Date into ms since the epoch', () => {
    expect(resolveEnqueueOptions({ runAt: new Date(5000) }, 1000)).toMatchObject({ runAt: 5000 });
  });
});

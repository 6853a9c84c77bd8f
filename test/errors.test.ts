import { describe, expect, it } from 'vitest';
import {
  coerceError,
  DatabaseError,
  DuplicateJobTypeError,
  InvalidOptionError,
  InvalidPayloadError,
  InvalidResultError,
  InvalidTransitionError,
  JobCancelledError,
  JobNotFoundError,
  NotRunningError,
  quote,
  serializeError,
  ShutdownError,
  StalledJobError,
  TimeoutError,
  UnknownJobTypeError,
  UnrecoverableError,
  VersionConflictError,
  WardenError,
} from '../src/errors.js';

describe('WardenError.is', () => {
  it('recognises every Warden error class', () => {
    expect(WardenError.is(new WardenError('X', 'x'))).toBe(true);
    expect(WardenError.is(new JobNotFoundError('7'))).toBe(true);
    expect(WardenError.is(new DatabaseError('SCHEMA_TOO_NEW', 'newer'))).toBe(true);
  });

  it('recognises an error thrown by a second copy of the package', () => {
    // A second copy has its own WardenError class but brands with the same registered symbol.
    class OtherWardenError extends Error {
      readonly code = 'JOB_TIMEOUT';
    }
    const foreign = new OtherWardenError('the attempt did not finish within 5 ms');
    Object.defineProperty(foreign, Symbol.for('warden.error'), { value: true });
    expect(foreign instanceof WardenError).toBe(false);
    expect(WardenError.is(foreign)).toBe(true);
  });

  it('recognises a branded plain object', () => {
    expect(WardenError.is({ [Symbol.for('warden.error')]: true, code: 'X' })).toBe(true);
  });

  it.each([
    ['an Error with a code', Object.assign(new Error('boom'), { code: 'INVALID_OPTION' })],
    ['an object branded with a private symbol', { [Symbol('warden.error')]: true }],
    ['an object with a string key of the same name', { 'warden.error': true }],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'INVALID_OPTION'],
    ['a function', () => undefined],
  ])('rejects %s', (_, value) => {
    expect(WardenError.is(value)).toBe(false);
  });

  it('keeps the brand out of JSON and out of the own enumerable keys', () => {
    const error = new JobNotFoundError('7');
    expect(Object.keys(error)).not.toContain(Symbol.for('warden.error'));
    expect(Object.getOwnPropertySymbols(error)).toEqual([Symbol.for('warden.error')]);
    expect(Object.prototype.propertyIsEnumerable.call(error, Symbol.for('warden.error'))).toBe(
      false,
    );
  });
});

describe('error codes', () => {
  const coded: readonly { readonly error: WardenError; readonly code: string }[] = [
    {
      error: new InvalidTransitionError('job 1', 'succeeded', 'cancel it'),
      code: 'INVALID_TRANSITION',
    },
    { error: new VersionConflictError('1', 2, 3), code: 'VERSION_CONFLICT' },
    { error: new UnknownJobTypeError('email'), code: 'UNKNOWN_JOB_TYPE' },
    { error: new DuplicateJobTypeError('email'), code: 'DUPLICATE_JOB_TYPE' },
    { error: new InvalidPayloadError('bad'), code: 'INVALID_PAYLOAD' },
    {
      error: new InvalidOptionError('concurrency', 'a whole number from 1 and up', 0),
      code: 'INVALID_OPTION',
    },
    { error: new JobNotFoundError('9'), code: 'JOB_NOT_FOUND' },
    { error: new TimeoutError(5), code: 'JOB_TIMEOUT' },
    { error: new UnrecoverableError('no'), code: 'UNRECOVERABLE' },
    { error: new JobCancelledError('1'), code: 'JOB_CANCELLED' },
    { error: new ShutdownError(), code: 'SHUTDOWN' },
    { error: new StalledJobError('1'), code: 'JOB_STALLED' },
    { error: new InvalidResultError('bad'), code: 'INVALID_RESULT' },
    { error: new NotRunningError('enqueue', 'stopped'), code: 'NOT_RUNNING' },
    { error: new DatabaseError('NOT_A_WARDEN_DATABASE', 'foreign'), code: 'NOT_A_WARDEN_DATABASE' },
  ];

  it.each(coded)('gives $error.name the code $code', ({ error, code }) => {
    expect(error.code).toBe(code);
    expect(error).toBeInstanceOf(WardenError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(error.constructor.name);
  });

  it('writes messages that name what went wrong', () => {
    expect(new InvalidTransitionError('job 1', 'succeeded', 'cancel it').message).toBe(
      'job 1 is `succeeded`: cannot cancel it',
    );
    expect(new InvalidTransitionError('job 1', 'queued', 'SUCCEED', 'why').message).toBe(
      'job 1 is `queued`: cannot SUCCEED (why)',
    );
    expect(new VersionConflictError('4', 2, 3).message).toBe(
      'job 4 changed under the writer: expected version 2, found 3',
    );
    expect(new UnknownJobTypeError('email').message).toBe(
      'no job type `email` is defined; call defineJob() first',
    );
    expect(new InvalidOptionError('concurrency', 'a whole number from 1 and up', 0).message).toBe(
      'Expected `concurrency` to be a whole number from 1 and up, got `0` (number)',
    );
    expect(new NotRunningError('enqueue', 'stopped').message).toBe(
      'cannot enqueue: Warden is stopped',
    );
  });

  it('keeps the cause it wraps', () => {
    const cause = new Error('disk full');
    expect(new DatabaseError('DATABASE_UNAVAILABLE', 'cannot open', { cause }).cause).toBe(cause);
    expect(new UnrecoverableError('gave up', { cause }).cause).toBe(cause);
  });
});

describe('quote', () => {
  it.each([
    ['a string', 'abc', '`abc`'],
    ['an empty string', '', '``'],
    ['a number', 0, '`0` (number)'],
    ['a negative number', -1.5, '`-1.5` (number)'],
    ['a boolean', false, '`false` (boolean)'],
    ['null', null, '`null`'],
    ['undefined', undefined, '`undefined`'],
    ['a BigInt', 12n, '`12n` (bigint)'],
    ['a function', () => 1, 'a function'],
    ['a symbol', Symbol('s'), '`Symbol(s)` (symbol)'],
    ['an array', [1, 'a'], '`[1,"a"]` (array)'],
    ['an object', { a: 1 }, '`{"a":1}` (object)'],
    ['NaN', Number.NaN, '`NaN` (number)'],
    ['Infinity', Number.POSITIVE_INFINITY, '`Infinity` (number)'],
    ['-Infinity', Number.NEGATIVE_INFINITY, '`-Infinity` (number)'],
  ])('quotes %s', (_, value, expected) => {
    expect(quote(value)).toBe(expected);
  });

  it('falls back to the object tag for a cycle', () => {
    const loop: Record<string, unknown> = {};
    loop['self'] = loop;
    expect(quote(loop)).toBe('`[object Object]` (object)');
  });

  it('falls back to the object tag for an object containing a BigInt', () => {
    expect(quote({ n: 1n })).toBe('`[object Object]` (object)');
  });

  it('cuts long values to 120 characters', () => {
    const quoted = quote('x'.repeat(200).split(''));
    const inner = quoted.slice(1, quoted.indexOf('` (array)'));
    expect(inner).toHaveLength(120);
    expect(inner.endsWith('...')).toBe(true);
    expect(quoted).toBe(`\`${JSON.stringify(Array(200).fill('x')).slice(0, 117)}...\` (array)`);
  });
});

describe('coerceError', () => {
  it('returns an Error unchanged', () => {
    const error = new TypeError('t');
    expect(coerceError(error)).toBe(error);
  });

  it('wraps a thrown string as the message', () => {
    expect(coerceError('boom').message).toBe('boom');
  });

  it('quotes anything else it wraps', () => {
    expect(coerceError({ reason: 1 }).message).toBe('non-error thrown: `{"reason":1}` (object)');
    expect(coerceError(42).message).toBe('non-error thrown: `42` (number)');
  });
});

describe('serializeError', () => {
  it('keeps name, message and code', () => {
    const serialized = serializeError(new JobNotFoundError('3'));
    expect({ ...serialized, stack: undefined }).toEqual({
      name: 'JobNotFoundError',
      message: 'no job has id `3`',
      code: 'JOB_NOT_FOUND',
      stack: undefined,
    });
    expect(serialized.stack).toMatch(/^JobNotFoundError: no job has id `3`\n/);
  });

  it('leaves out a code that is not a string', () => {
    const error = Object.assign(new Error('e'), { code: 5 });
    expect('code' in serializeError(error)).toBe(false);
  });
});

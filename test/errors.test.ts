import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ActorNotFoundError,
  BrowserCleanupError,
  CallTimeoutError,
  CircuitOpenError,
  coerceError,
  DatabaseCorruptError,
  DatabaseError,
  DatabaseInUseError,
  DatabaseUnavailableError,
  DatabaseWriteFailedError,
  DuplicateActorError,
  DuplicateJobTypeError,
  FallbackFailedError,
  InternalError,
  InvalidOptionError,
  InvalidPayloadError,
  InvalidResultError,
  InvalidTransitionError,
  isWardenError,
  JobCancelledError,
  JobNotFoundError,
  CommandTimeoutError,
  LeaseEndedError,
  MachineLoadError,
  MaxRunExceededError,
  NotAWardenDatabaseError,
  NotRunningError,
  PoolClosedError,
  PoolOperationTimeoutError,
  PoolTimeoutError,
  quote,
  ResourceLostError,
  SchemaTooNewError,
  serializeError,
  ShutdownError,
  StalledJobError,
  StartTimeoutError,
  SupervisorEscalatedError,
  TimeoutError,
  TransactionLostError,
  UnknownJobTypeError,
  UnrecoverableError,
  VersionConflictError,
  WardenError,
  type WardenErrorByCode,
  type WardenErrorCode,
} from '../src/errors.js';

describe('WardenError.is', () => {
  it('recognises every Warden error class', () => {
    expect(WardenError.is(new WardenError('INTERNAL', 'x'))).toBe(true);
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

  it('falls back to the object tag for an object whose toJSON gives nothing', () => {
    expect(quote({ toJSON: () => undefined })).toBe('`[object Object]` (object)');
  });

  it('quotes a Proxy whose traps throw as unreadable, without throwing', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    expect(quote(hostile)).toBe('an unreadable value');
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

  it('wraps a Proxy that cannot say whether it is an Error', () => {
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    const error = coerceError(hostile);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('non-error thrown: `{}` (object)');
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

  it('leaves out a stack the error does not have', () => {
    const error = new Error('no stack');
    delete error.stack;
    expect(serializeError(error)).toEqual({ name: 'Error', message: 'no stack' });
  });

  it('leaves out a code that is not a string', () => {
    const error = Object.assign(new Error('e'), { code: 5 });
    expect('code' in serializeError(error)).toBe(false);
  });
});

/** One instance of each class, by the code it must carry: the compiler refuses a missing code. */
const oneOfEach: { readonly [C in WardenErrorCode]: () => WardenErrorByCode[C] } = {
  INVALID_TRANSITION: () => new InvalidTransitionError('job 1', 'succeeded', 'cancel it'),
  VERSION_CONFLICT: () => new VersionConflictError('1', 2, 3),
  UNKNOWN_JOB_TYPE: () => new UnknownJobTypeError('email'),
  DUPLICATE_JOB_TYPE: () => new DuplicateJobTypeError('email'),
  INVALID_PAYLOAD: () => new InvalidPayloadError('bad'),
  INVALID_OPTION: () => new InvalidOptionError('concurrency', 'a whole number', 0),
  JOB_NOT_FOUND: () => new JobNotFoundError('9'),
  JOB_TIMEOUT: () => new TimeoutError(5),
  UNRECOVERABLE: () => new UnrecoverableError('no'),
  JOB_CANCELLED: () => new JobCancelledError('1'),
  SHUTDOWN: () => new ShutdownError(),
  JOB_STALLED: () => new StalledJobError('1'),
  INVALID_RESULT: () => new InvalidResultError('bad'),
  NOT_RUNNING: () => new NotRunningError('enqueue', 'stopped'),
  NOT_A_WARDEN_DATABASE: () => new NotAWardenDatabaseError('foreign'),
  DATABASE_CORRUPT: () => new DatabaseCorruptError('damaged'),
  SCHEMA_TOO_NEW: () => new SchemaTooNewError('newer'),
  DATABASE_UNAVAILABLE: () => new DatabaseUnavailableError('cannot open'),
  DATABASE_IN_USE: () => new DatabaseInUseError('owned'),
  DATABASE_WRITE_FAILED: () => new DatabaseWriteFailedError('refused'),
  TRANSACTION_LOST: () => new TransactionLostError(new Error('disk I/O error')),
  START_TIMEOUT: () => new StartTimeoutError('a', 10),
  MAX_RUN_EXCEEDED: () => new MaxRunExceededError('a', 10),
  ESCALATED: () => new SupervisorEscalatedError('s', 3, 1000),
  ACTOR_NOT_FOUND: () => new ActorNotFoundError('a'),
  DUPLICATE_ACTOR: () => new DuplicateActorError('a'),
  FALLBACK_FAILED: () => new FallbackFailedError(new Error('fallback'), new Error('attempt')),
  CIRCUIT_OPEN: () => new CircuitOpenError('smtp', 'open', 100),
  CALL_TIMEOUT: () => new CallTimeoutError('smtp', 100),
  POOL_TIMEOUT: () => new PoolTimeoutError('db', 100, { size: 1, leased: 1, waiting: 0 }),
  POOL_CLOSED: () => new PoolClosedError('db', 'draining'),
  LEASE_ENDED: () => new LeaseEndedError('db', 'released', 'release it'),
  POOL_OPERATION_TIMEOUT: () => new PoolOperationTimeoutError('db', 'create', 100),
  RESOURCE_LOST: () => new ResourceLostError('db'),
  BROWSER_CLEANUP_FAILED: () => new BrowserCleanupError('page', 100),
  MACHINE_LOAD_FAILED: () => new MachineLoadError('./m.js#m', 'no-export', 'no export `m`'),
  COMMAND_TIMEOUT: () => new CommandTimeoutError('1', 'job.replay', '5', 100, true, 'the owner'),
  INTERNAL: () => new InternalError('an invariant did not hold'),
};
const everyCode = Object.keys(oneOfEach) as WardenErrorCode[];

describe('a class per code', () => {
  it.each(everyCode)('makes %s with its own class', (code) => {
    const error = oneOfEach[code]();
    expect(error.code).toBe(code);
    expect(error).toBeInstanceOf(WardenError);
    expect(error.name).toBe(error.constructor.name);
  });

  it('gives no two codes the same class', () => {
    const classes = everyCode.map((code) => oneOfEach[code]().constructor);
    expect(new Set(classes).size).toBe(everyCode.length);
  });

  it('names a database error after its subclass, which stays a DatabaseError', () => {
    const error = new DatabaseInUseError('owned');
    expect(error.name).toBe('DatabaseInUseError');
    expect(error).toBeInstanceOf(DatabaseError);
    expect(serializeError(error)).toMatchObject({
      name: 'DatabaseInUseError',
      code: 'DATABASE_IN_USE',
    });
  });

  it('keeps every database code a DatabaseError', () => {
    const database = everyCode.filter((code) => oneOfEach[code]() instanceof DatabaseError);
    expect(database.sort()).toEqual([
      'DATABASE_CORRUPT',
      'DATABASE_IN_USE',
      'DATABASE_UNAVAILABLE',
      'DATABASE_WRITE_FAILED',
      'NOT_A_WARDEN_DATABASE',
      'SCHEMA_TOO_NEW',
    ]);
  });

  it('says which step of a fallback failed, keeping its cause and stack', () => {
    const fallbackError = new Error('smtp down');
    const error = new FallbackFailedError(fallbackError, new Error('timed out'));
    expect(error.message).toBe(
      'the fallback failed: smtp down (after the last attempt failed: timed out)',
    );
    expect(error.cause).toBe(fallbackError);
    expect(error.stack).toBe(fallbackError.stack);
    expect(error.attemptError.message).toBe('timed out');
  });

  it('names the last create error of a pool that timed out or was given up, when there is one', () => {
    const cause = new Error('ECONNREFUSED');
    const state = { size: 0, leased: 0, waiting: 2 };
    expect(new PoolTimeoutError('db', 100, state).message).toBe(
      'no resource of pool `db` was free within 100 ms (0 of 0 leased, 2 other acquirers waiting)',
    );
    expect(new PoolTimeoutError('db', 100, state, { cause }).message).toBe(
      'no resource of pool `db` was free within 100 ms (0 of 0 leased, 2 other acquirers waiting); the last create failed: ECONNREFUSED',
    );
    expect(new PoolClosedError('db', 'failed').message).toBe(
      "pool `db` was given up after its creates kept failing; restartActor('pool:db') brings it back",
    );
    expect(new PoolClosedError('db', 'failed', { cause }).message).toBe(
      "pool `db` was given up after its creates kept failing (the last: ECONNREFUSED); restartActor('pool:db') brings it back",
    );
    expect(new PoolClosedError('db', 'draining').message).toBe(
      'pool `db` is draining: it hands out no resources',
    );
  });

  it('keeps its own stack when the fallback’s error has none', () => {
    const fallbackError = new Error('no stack');
    delete fallbackError.stack;
    const error = new FallbackFailedError(fallbackError, new Error('attempt'));
    expect(error.stack).toMatch(/^FallbackFailedError: the fallback failed: no stack/);
  });

  it('names the pool of a lost resource, and what happened when known', () => {
    expect(new ResourceLostError('browsers').message).toBe('a resource of pool `browsers` died');
    expect(new ResourceLostError('browsers', 'the browser disconnected').message).toBe(
      'a resource of pool `browsers` died: the browser disconnected',
    );
  });

  it('marks an internal error as a bug in Warden', () => {
    expect(new InternalError('the root spec resolved to a worker').message).toBe(
      'the root spec resolved to a worker (a bug in Warden)',
    );
  });

  it('keeps the database error behind a lost transaction', () => {
    const cause = new Error('disk I/O error');
    expect(new TransactionLostError(cause).cause).toBe(cause);
  });
});

describe('isWardenError', () => {
  it('accepts any Warden error without a code', () => {
    for (const code of everyCode) expect(isWardenError(oneOfEach[code]())).toBe(true);
  });

  it.each(everyCode)('accepts %s for its own code and no other', (code) => {
    const error = oneOfEach[code]();
    for (const other of everyCode) expect(isWardenError(error, other)).toBe(other === code);
  });

  it('narrows to the class of the code', () => {
    const error: unknown = new PoolTimeoutError('db', 100, { size: 2, leased: 2, waiting: 1 });
    if (!isWardenError(error, 'POOL_TIMEOUT')) throw new Error('not narrowed');
    expectTypeOf(error).toEqualTypeOf<PoolTimeoutError>();
    expect(error.state.waiting).toBe(1);
    const unknownError: unknown = error;
    if (isWardenError(unknownError))
      expectTypeOf(unknownError.code).toEqualTypeOf<WardenErrorCode>();
  });

  it('accepts an error of a second copy of the package, by its brand and code', () => {
    class OtherCircuitOpenError extends Error {
      readonly code = 'CIRCUIT_OPEN';
    }
    const foreign = new OtherCircuitOpenError('breaker `smtp` is open');
    Object.defineProperty(foreign, Symbol.for('warden.error'), { value: true });
    expect(isWardenError(foreign, 'CIRCUIT_OPEN')).toBe(true);
    expect(isWardenError(foreign, 'CALL_TIMEOUT')).toBe(false);
  });

  it.each([
    ['an Error with a forged code', Object.assign(new Error('open'), { code: 'CIRCUIT_OPEN' })],
    ['a plain object with a forged code', { code: 'CIRCUIT_OPEN', message: 'open' }],
    ['a string of the code', 'CIRCUIT_OPEN'],
    ['null', null],
    ['undefined', undefined],
  ])('rejects %s', (_, value) => {
    expect(isWardenError(value)).toBe(false);
    expect(isWardenError(value, 'CIRCUIT_OPEN')).toBe(false);
  });

  it('rejects a Proxy whose traps throw, and a branded object whose code getter throws', () => {
    const hostile = new Proxy(
      {},
      {
        has() {
          throw new Error('trap');
        },
      },
    );
    expect(isWardenError(hostile)).toBe(false);
    const branded = {
      [Symbol.for('warden.error')]: true,
      get code(): string {
        throw new Error('getter');
      },
    };
    expect(isWardenError(branded)).toBe(true);
    expect(isWardenError(branded, 'INTERNAL')).toBe(false);
  });
});

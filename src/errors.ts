const brand = Symbol.for('warden.error');

/** Quotes a value for an error message: strings in quotes, everything else with its type. */
export function quote(value: unknown): string {
  try {
    return quoteValue(value);
  } catch {
    return 'an unreadable value'; // a Proxy whose traps throw, say
  }
}

function quoteValue(value: unknown): string {
  if (typeof value === 'string') return `\`${value}\``;
  if (typeof value === 'bigint') return `\`${String(value)}n\` (bigint)`;
  if (typeof value === 'function') return `a function`;
  if (typeof value === 'symbol') return `\`${String(value)}\` (symbol)`;
  if (typeof value === 'number') return `\`${String(value)}\` (number)`;
  if (value === null) return '`null`';
  if (value === undefined) return '`undefined`';
  let text: string;
  try {
    text = JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  if (text.length > 120) text = `${text.slice(0, 117)}...`;
  return `\`${text}\` (${Array.isArray(value) ? 'array' : typeof value})`;
}

/** Base class of every error Warden throws; `code` is stable across versions. */
export class WardenError extends Error {
  /** A stable, machine-readable code such as `INVALID_TRANSITION`. */
  readonly code: WardenErrorCode;

  constructor(code: WardenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, brand, { value: true });
  }

  /** True for any Warden error, even one thrown by another copy of the package. */
  static is(value: unknown): value is WardenError {
    try {
      return typeof value === 'object' && value !== null && brand in value;
    } catch {
      return false; // a Proxy whose `has` trap throws
    }
  }
}

/**
 * True for a Warden error (even from another copy of the package), and, given `code`, only for
 * one with that code, narrowed to its class. An error that merely has a `code` field is not one:
 * the brand decides.
 */
export function isWardenError(value: unknown): value is WardenError;
export function isWardenError<C extends WardenErrorCode>(
  value: unknown,
  code: C,
): value is WardenErrorByCode[C];
export function isWardenError(value: unknown, code?: WardenErrorCode): boolean {
  if (!WardenError.is(value)) return false;
  if (code === undefined) return true;
  try {
    return value.code === code;
  } catch {
    return false; // a getter that throws
  }
}

/** A status change that the machine does not allow. */
export class InvalidTransitionError extends WardenError {
  declare readonly code: 'INVALID_TRANSITION';
  constructor(
    readonly subject: string,
    readonly from: string,
    readonly attempted: string,
    detail?: string,
  ) {
    super(
      'INVALID_TRANSITION',
      `${subject} is \`${from}\`: cannot ${attempted}${detail === undefined ? '' : ` (${detail})`}`,
    );
  }
}

/** A write named a row version that is no longer current: another writer got there first. */
export class VersionConflictError extends WardenError {
  declare readonly code: 'VERSION_CONFLICT';
  constructor(
    readonly jobId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(
      'VERSION_CONFLICT',
      `job ${jobId} changed under the writer: expected version ${expectedVersion}, found ${actualVersion}`,
    );
  }
}

/** `enqueue` named a job type that was never defined. */
export class UnknownJobTypeError extends WardenError {
  declare readonly code: 'UNKNOWN_JOB_TYPE';
  constructor(readonly type: string) {
    super('UNKNOWN_JOB_TYPE', `no job type ${quote(type)} is defined; call defineJob() first`);
  }
}

/** A job type was defined twice. */
export class DuplicateJobTypeError extends WardenError {
  declare readonly code: 'DUPLICATE_JOB_TYPE';
  constructor(readonly type: string) {
    super('DUPLICATE_JOB_TYPE', `job type ${quote(type)} is already defined`);
  }
}

/** A payload that is not plain JSON data, or that the job type's `validate` rejected. */
export class InvalidPayloadError extends WardenError {
  declare readonly code: 'INVALID_PAYLOAD';
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_PAYLOAD', message, options);
  }
}

/** An option outside its documented range. */
export class InvalidOptionError extends WardenError {
  declare readonly code: 'INVALID_OPTION';
  constructor(
    readonly option: string,
    readonly expected: string,
    readonly value: unknown,
  ) {
    super('INVALID_OPTION', `Expected \`${option}\` to be ${expected}, got ${quote(value)}`);
  }
}

/** No job has the given id. */
export class JobNotFoundError extends WardenError {
  declare readonly code: 'JOB_NOT_FOUND';
  constructor(readonly jobId: string) {
    super('JOB_NOT_FOUND', `no job has id ${quote(jobId)}`);
  }
}

/** A job attempt ran past its `timeoutMs`. */
export class TimeoutError extends WardenError {
  declare readonly code: 'JOB_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super('JOB_TIMEOUT', `the attempt did not finish within ${timeoutMs} ms`);
  }
}

/** Thrown by job code to fail at once, skipping any remaining attempts. */
export class UnrecoverableError extends WardenError {
  declare readonly code: 'UNRECOVERABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNRECOVERABLE', message, options);
  }
}

/** The reason a running job's signal is aborted when the job is cancelled. */
export class JobCancelledError extends WardenError {
  declare readonly code: 'JOB_CANCELLED';
  constructor(readonly jobId: string) {
    super('JOB_CANCELLED', `job ${jobId} was cancelled`);
  }
}

/** The reason a signal is aborted when its job or actor is being stopped. */
export class ShutdownError extends WardenError {
  declare readonly code: 'SHUTDOWN';
  constructor(message = 'Warden is stopping and the grace period is over') {
    super('SHUTDOWN', message);
  }
}

/** The error recorded for a job found `running` by a process that did not run it. */
export class StalledJobError extends WardenError {
  declare readonly code: 'JOB_STALLED';
  constructor(readonly jobId: string) {
    super('JOB_STALLED', `job ${jobId} was running when its process died`);
  }
}

/** A job handler returned a value that cannot be stored as JSON. */
export class InvalidResultError extends WardenError {
  declare readonly code: 'INVALID_RESULT';
  constructor(message: string) {
    super('INVALID_RESULT', message);
  }
}

/** An API call that needs a started Warden, or one made after `stop()`. */
export class NotRunningError extends WardenError {
  declare readonly code: 'NOT_RUNNING';
  constructor(
    readonly operation: string,
    state: string,
  ) {
    super('NOT_RUNNING', `cannot ${operation}: Warden is ${state}`);
  }
}

/**
 * The database file is not a Warden database, is damaged, was written by a newer version, cannot
 * be opened, is owned by another live Warden, or refused a write.
 */
export class DatabaseError extends WardenError {
  declare readonly code: DatabaseErrorCode;
  // Not useless: it narrows `code` to the database codes.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: DatabaseErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The codes of `DatabaseError`, each with its own subclass. */
export type DatabaseErrorCode =
  | 'NOT_A_WARDEN_DATABASE'
  | 'DATABASE_CORRUPT'
  | 'SCHEMA_TOO_NEW'
  | 'DATABASE_UNAVAILABLE'
  | 'DATABASE_IN_USE'
  | 'DATABASE_WRITE_FAILED';

/** The file is not a Warden database (another application's, or not SQLite at all). */
export class NotAWardenDatabaseError extends DatabaseError {
  declare readonly code: 'NOT_A_WARDEN_DATABASE';
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_A_WARDEN_DATABASE', message, options);
  }
}

/** The database file is damaged. */
export class DatabaseCorruptError extends DatabaseError {
  declare readonly code: 'DATABASE_CORRUPT';
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_CORRUPT', message, options);
  }
}

/** The database was written by a newer version of Warden. */
export class SchemaTooNewError extends DatabaseError {
  declare readonly code: 'SCHEMA_TOO_NEW';
  constructor(message: string, options?: { cause?: unknown }) {
    super('SCHEMA_TOO_NEW', message, options);
  }
}

/** The database cannot be opened or read, or the store is not open. */
export class DatabaseUnavailableError extends DatabaseError {
  declare readonly code: 'DATABASE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_UNAVAILABLE', message, options);
  }
}

/** The database file is owned by another live Warden. */
export class DatabaseInUseError extends DatabaseError {
  declare readonly code: 'DATABASE_IN_USE';
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_IN_USE', message, options);
  }
}

/** The database refused a write. */
export class DatabaseWriteFailedError extends DatabaseError {
  declare readonly code: 'DATABASE_WRITE_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_WRITE_FAILED', message, options);
  }
}

/** The JSON shape in which errors are stored and reported. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

/**
 * Turns anything thrown into an Error whose `name`, `message`, `stack` and `code` can be read: an
 * error with a getter that throws (or a Proxy whose traps throw) is replaced by a plain one.
 */
export function coerceError(thrown: unknown): Error {
  let isError: boolean;
  try {
    isError = thrown instanceof Error;
  } catch {
    isError = false; // a Proxy whose getPrototypeOf trap throws
  }
  if (isError) {
    const error = thrown as Error;
    return fieldsReadable(error)
      ? error
      : new Error('an error was thrown whose name, message, stack or code cannot be read');
  }
  if (typeof thrown === 'string') return new Error(thrown);
  return new Error(`non-error thrown: ${quote(thrown)}`);
}

/** Reads an error's fields once; false when reading one of them throws. */
function fieldsReadable(error: Error): boolean {
  try {
    const fields = [error.name, error.message, error.stack, (error as { code?: unknown }).code];
    return fields.length > 0;
  } catch {
    return false;
  }
}

/** The storable form of an error: name, message, code and stack. */
export function serializeError(thrown: unknown): SerializedError {
  const error = coerceError(thrown);
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
  };
}

/** A supervised actor did not call `ready()` within its `startTimeoutMs`. */
export class StartTimeoutError extends WardenError {
  declare readonly code: 'START_TIMEOUT';
  constructor(
    readonly actorId: string,
    readonly startTimeoutMs: number,
  ) {
    super(
      'START_TIMEOUT',
      `actor ${quote(actorId)} did not call ready() within ${startTimeoutMs} ms`,
    );
  }
}

/** A supervised actor ran longer than its `maxRunMs`. */
export class MaxRunExceededError extends WardenError {
  declare readonly code: 'MAX_RUN_EXCEEDED';
  constructor(
    readonly actorId: string,
    readonly maxRunMs: number,
  ) {
    super(
      'MAX_RUN_EXCEEDED',
      `actor ${quote(actorId)} ran longer than its maxRunMs of ${maxRunMs} ms`,
    );
  }
}

/** A supervisor exceeded its restart intensity and gave up; its parent decides what follows. */
export class SupervisorEscalatedError extends WardenError {
  declare readonly code: 'ESCALATED';
  constructor(
    readonly supervisorId: string,
    readonly maxRestarts: number,
    readonly withinMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      'ESCALATED',
      `supervisor ${quote(supervisorId)} exceeded ${maxRestarts} restarts within ${withinMs} ms and stopped its children`,
      options,
    );
  }
}

/** No supervised actor has the given id. */
export class ActorNotFoundError extends WardenError {
  declare readonly code: 'ACTOR_NOT_FOUND';
  constructor(readonly actorId: string) {
    super('ACTOR_NOT_FOUND', `no supervised actor has id ${quote(actorId)}`);
  }
}

/** Two supervised actors were given the same id. */
export class DuplicateActorError extends WardenError {
  declare readonly code: 'DUPLICATE_ACTOR';
  constructor(readonly actorId: string) {
    super('DUPLICATE_ACTOR', `a supervised actor with id ${quote(actorId)} already exists`);
  }
}

/** A call refused by an open, isolated or busy half-open circuit breaker. */
export class CircuitOpenError extends WardenError {
  declare readonly code: 'CIRCUIT_OPEN';
  constructor(
    readonly breaker: string,
    readonly state: 'open' | 'half-open' | 'isolated',
    /** How long until the breaker may let a call through again, in ms. */
    readonly retryAfterMs: number,
  ) {
    super(
      'CIRCUIT_OPEN',
      state === 'isolated'
        ? `breaker ${quote(breaker)} is isolated: calls are refused until it is reset`
        : state === 'open'
          ? `breaker ${quote(breaker)} is open: calls are refused for another ${retryAfterMs} ms`
          : `breaker ${quote(breaker)} is half-open and its trial calls are taken: retry in ${retryAfterMs} ms`,
    );
  }
}

/** A call through a breaker ran past its `timeoutMs`; its signal was aborted. */
export class CallTimeoutError extends WardenError {
  declare readonly code: 'CALL_TIMEOUT';
  constructor(
    readonly breaker: string,
    readonly timeoutMs: number,
  ) {
    super(
      'CALL_TIMEOUT',
      `a call through breaker ${quote(breaker)} took longer than ${timeoutMs} ms`,
    );
  }
}

/** An acquire that found no free resource within its `acquireTimeoutMs`; it left no waiter behind. */
export class PoolTimeoutError extends WardenError {
  declare readonly code: 'POOL_TIMEOUT';
  constructor(
    readonly pool: string,
    readonly timeoutMs: number,
    /** What the pool looked like then: why nothing was free. */
    readonly state: { readonly size: number; readonly leased: number; readonly waiting: number },
    options?: { cause?: unknown },
  ) {
    super(
      'POOL_TIMEOUT',
      `no resource of pool ${quote(pool)} was free within ${timeoutMs} ms (${state.leased} of ${state.size} leased, ${state.waiting} other acquirers waiting)${
        options?.cause instanceof Error ? `; the last create failed: ${options.cause.message}` : ''
      }`,
      options,
    );
  }
}

/** A pool that is draining, stopped, or dead-lettered after its creates kept failing. */
export class PoolClosedError extends WardenError {
  declare readonly code: 'POOL_CLOSED';
  constructor(
    readonly pool: string,
    readonly state: string,
    options?: { cause?: unknown },
  ) {
    super(
      'POOL_CLOSED',
      state === 'failed'
        ? `pool ${quote(pool)} was given up after its creates kept failing${
            options?.cause instanceof Error ? ` (the last: ${options.cause.message})` : ''
          }; restartActor('pool:${pool}') brings it back`
        : `pool ${quote(pool)} is ${state}: it hands out no resources`,
      options,
    );
  }
}

/** A lease used after it ended: released twice, or after `destroy()`. */
export class LeaseEndedError extends WardenError {
  declare readonly code: 'LEASE_ENDED';
  constructor(
    readonly pool: string,
    readonly how: 'released' | 'destroyed',
    attempted: string,
  ) {
    super(
      'LEASE_ENDED',
      `this lease of pool ${quote(pool)} was already ${how}: cannot ${attempted}`,
    );
  }
}

/** A pool's `create`, `destroy` or `validate` ran past its timeout; the resource was abandoned. */
export class PoolOperationTimeoutError extends WardenError {
  declare readonly code: 'POOL_OPERATION_TIMEOUT';
  constructor(
    readonly pool: string,
    readonly operation: 'create' | 'destroy' | 'validate',
    readonly timeoutMs: number,
  ) {
    super(
      'POOL_OPERATION_TIMEOUT',
      `pool ${quote(pool)}: ${operation} did not finish within ${timeoutMs} ms`,
    );
  }
}

/** The fallback of a job's last attempt failed too: the job is dead. */
export class FallbackFailedError extends WardenError {
  declare readonly code: 'FALLBACK_FAILED';
  constructor(
    /** What the fallback threw. */
    error: Error,
    /** What the last attempt threw. */
    readonly attemptError: Error,
  ) {
    super(
      'FALLBACK_FAILED',
      `the fallback failed: ${error.message} (after the last attempt failed: ${attemptError.message})`,
      { cause: error },
    );
    if (error.stack !== undefined) this.stack = error.stack; // where the fallback failed
  }
}

/**
 * Thrown by a store when the database undid the whole transaction (an I/O error, say), not just
 * the failed write: the group commit around it cannot go on. `cause` is the database's error.
 */
export class TransactionLostError extends WardenError {
  declare readonly code: 'TRANSACTION_LOST';
  constructor(cause: unknown) {
    super('TRANSACTION_LOST', 'the database rolled the whole transaction back', { cause });
  }
}

/** A resource of a pool died on its own (its process exited, its connection dropped). */
export class ResourceLostError extends WardenError {
  declare readonly code: 'RESOURCE_LOST';
  constructor(
    readonly pool: string,
    /** What happened to it, when known. */
    detail?: string,
  ) {
    super(
      'RESOURCE_LOST',
      detail === undefined
        ? `a resource of pool ${quote(pool)} died`
        : `a resource of pool ${quote(pool)} died: ${detail}`,
    );
  }
}

/** A browser pool's page or context did not close in time: the browser is destroyed rather than reused. */
export class BrowserCleanupError extends WardenError {
  declare readonly code: 'BROWSER_CLEANUP_FAILED';
  constructor(
    readonly step: 'page' | 'context',
    readonly timeoutMs: number,
  ) {
    super('BROWSER_CLEANUP_FAILED', `closing the ${step} took longer than ${timeoutMs} ms`);
  }
}

/** An invariant of Warden's own did not hold: a bug in Warden, never a bad input. */
export class InternalError extends WardenError {
  declare readonly code: 'INTERNAL';
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERNAL', `${message} (a bug in Warden)`, options);
  }
}

/** Every error class by its stable code: what `isWardenError(error, code)` narrows to. */
export interface WardenErrorByCode {
  INVALID_TRANSITION: InvalidTransitionError;
  VERSION_CONFLICT: VersionConflictError;
  UNKNOWN_JOB_TYPE: UnknownJobTypeError;
  DUPLICATE_JOB_TYPE: DuplicateJobTypeError;
  INVALID_PAYLOAD: InvalidPayloadError;
  INVALID_OPTION: InvalidOptionError;
  JOB_NOT_FOUND: JobNotFoundError;
  JOB_TIMEOUT: TimeoutError;
  UNRECOVERABLE: UnrecoverableError;
  JOB_CANCELLED: JobCancelledError;
  SHUTDOWN: ShutdownError;
  JOB_STALLED: StalledJobError;
  INVALID_RESULT: InvalidResultError;
  NOT_RUNNING: NotRunningError;
  NOT_A_WARDEN_DATABASE: NotAWardenDatabaseError;
  DATABASE_CORRUPT: DatabaseCorruptError;
  SCHEMA_TOO_NEW: SchemaTooNewError;
  DATABASE_UNAVAILABLE: DatabaseUnavailableError;
  DATABASE_IN_USE: DatabaseInUseError;
  DATABASE_WRITE_FAILED: DatabaseWriteFailedError;
  TRANSACTION_LOST: TransactionLostError;
  START_TIMEOUT: StartTimeoutError;
  MAX_RUN_EXCEEDED: MaxRunExceededError;
  ESCALATED: SupervisorEscalatedError;
  ACTOR_NOT_FOUND: ActorNotFoundError;
  DUPLICATE_ACTOR: DuplicateActorError;
  FALLBACK_FAILED: FallbackFailedError;
  CIRCUIT_OPEN: CircuitOpenError;
  CALL_TIMEOUT: CallTimeoutError;
  POOL_TIMEOUT: PoolTimeoutError;
  POOL_CLOSED: PoolClosedError;
  LEASE_ENDED: LeaseEndedError;
  POOL_OPERATION_TIMEOUT: PoolOperationTimeoutError;
  RESOURCE_LOST: ResourceLostError;
  BROWSER_CLEANUP_FAILED: BrowserCleanupError;
  INTERNAL: InternalError;
}

/** Every stable code a `WardenError` carries. */
export type WardenErrorCode = keyof WardenErrorByCode;

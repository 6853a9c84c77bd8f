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
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, brand, { value: true });
  }

  /** True for any Warden error, even one thrown by another copy of the package. */
  static is(value: unknown): value is WardenError {
    return typeof value === 'object' && value !== null && brand in value;
  }
}

/** A status change that the machine does not allow. */
export class InvalidTransitionError extends WardenError {
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
  constructor(readonly type: string) {
    super('UNKNOWN_JOB_TYPE', `no job type ${quote(type)} is defined; call defineJob() first`);
  }
}

/** A job type was defined twice. */
export class DuplicateJobTypeError extends WardenError {
  constructor(readonly type: string) {
    super('DUPLICATE_JOB_TYPE', `job type ${quote(type)} is already defined`);
  }
}

/** A payload that is not plain JSON data, or that the job type's `validate` rejected. */
export class InvalidPayloadError extends WardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_PAYLOAD', message, options);
  }
}

/** An option outside its documented range. */
export class InvalidOptionError extends WardenError {
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
  constructor(readonly jobId: string) {
    super('JOB_NOT_FOUND', `no job has id ${quote(jobId)}`);
  }
}

/** A job attempt ran past its `timeoutMs`. */
export class TimeoutError extends WardenError {
  constructor(readonly timeoutMs: number) {
    super('JOB_TIMEOUT', `the attempt did not finish within ${timeoutMs} ms`);
  }
}

/** Thrown by job code to fail at once, skipping any remaining attempts. */
export class UnrecoverableError extends WardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNRECOVERABLE', message, options);
  }
}

/** The reason a running job's signal is aborted when the job is cancelled. */
export class JobCancelledError extends WardenError {
  constructor(readonly jobId: string) {
    super('JOB_CANCELLED', `job ${jobId} was cancelled`);
  }
}

/** The reason a signal is aborted when its job or actor is being stopped. */
export class ShutdownError extends WardenError {
  constructor(message = 'Warden is stopping and the grace period is over') {
    super('SHUTDOWN', message);
  }
}

/** The error recorded for a job found `running` by a process that did not run it. */
export class StalledJobError extends WardenError {
  constructor(readonly jobId: string) {
    super('JOB_STALLED', `job ${jobId} was running when its process died`);
  }
}

/** A job handler returned a value that cannot be stored as JSON. */
export class InvalidResultError extends WardenError {
  constructor(message: string) {
    super('INVALID_RESULT', message);
  }
}

/** An API call that needs a started Warden, or one made after `stop()`. */
export class NotRunningError extends WardenError {
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
  declare readonly code:
    | 'NOT_A_WARDEN_DATABASE'
    | 'DATABASE_CORRUPT'
    | 'SCHEMA_TOO_NEW'
    | 'DATABASE_UNAVAILABLE'
    | 'DATABASE_IN_USE'
    | 'DATABASE_WRITE_FAILED';
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
  constructor(readonly actorId: string) {
    super('ACTOR_NOT_FOUND', `no supervised actor has id ${quote(actorId)}`);
  }
}

/** Two supervised actors were given the same id. */
export class DuplicateActorError extends WardenError {
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

import { quote, WardenError } from './wardenError.js';

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

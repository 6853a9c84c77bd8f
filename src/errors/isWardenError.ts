import type {
  InternalError,
  InvalidOptionError,
  InvalidTransitionError,
  NotRunningError,
  ShutdownError,
} from './commonErrors.js';
import type {
  DuplicateJobTypeError,
  FallbackFailedError,
  InvalidPayloadError,
  InvalidResultError,
  JobCancelledError,
  JobNotFoundError,
  StalledJobError,
  TimeoutError,
  UnknownJobTypeError,
  UnrecoverableError,
  VersionConflictError,
} from './jobErrors.js';
import type {
  DatabaseCorruptError,
  DatabaseInUseError,
  DatabaseUnavailableError,
  DatabaseWriteFailedError,
  NotAWardenDatabaseError,
  SchemaTooNewError,
  TransactionLostError,
} from './databaseErrors.js';
import type {
  ActorNotFoundError,
  DuplicateActorError,
  MaxRunExceededError,
  StartTimeoutError,
  SupervisorEscalatedError,
} from './supervisionErrors.js';
import type { CallTimeoutError, CircuitOpenError } from './breakerErrors.js';
import type {
  BrowserCleanupError,
  LeaseEndedError,
  PoolClosedError,
  PoolOperationTimeoutError,
  PoolTimeoutError,
  ResourceLostError,
} from './poolErrors.js';
import type { MachineLoadError } from './chartErrors.js';
import type { CommandTimeoutError } from './commandErrors.js';
import type { WardenErrorCode } from './errorCode.js';
import { WardenError } from './wardenError.js';

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
  MACHINE_LOAD_FAILED: MachineLoadError;
  COMMAND_TIMEOUT: CommandTimeoutError;
  INTERNAL: InternalError;
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

/**
 * Every error Warden throws: one `WardenError` base with a stable `code`, a class per code, grouped
 * by concept in errors/.
 */
export { quote, WardenError } from './errors/wardenError.js';
export { isWardenError, type WardenErrorByCode } from './errors/isWardenError.js';
export { coerceError, serializeError, type SerializedError } from './errors/serializeError.js';
export type { WardenErrorCode } from './errors/errorCode.js';
export {
  InternalError,
  InvalidOptionError,
  InvalidTransitionError,
  NotRunningError,
  ShutdownError,
} from './errors/commonErrors.js';
export {
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
} from './errors/jobErrors.js';
export {
  DatabaseCorruptError,
  DatabaseError,
  DatabaseInUseError,
  DatabaseUnavailableError,
  DatabaseWriteFailedError,
  NotAWardenDatabaseError,
  SchemaTooNewError,
  TransactionLostError,
  type DatabaseErrorCode,
} from './errors/databaseErrors.js';
export {
  ActorNotFoundError,
  DuplicateActorError,
  MaxRunExceededError,
  StartTimeoutError,
  SupervisorEscalatedError,
} from './errors/supervisionErrors.js';
export { CallTimeoutError, CircuitOpenError } from './errors/breakerErrors.js';
export {
  BrowserCleanupError,
  LeaseEndedError,
  PoolClosedError,
  PoolOperationTimeoutError,
  PoolTimeoutError,
  ResourceLostError,
} from './errors/poolErrors.js';
export { MachineLoadError, type MachineLoadFailure } from './errors/chartErrors.js';
export { CommandTimeoutError } from './errors/commandErrors.js';

export { createWarden, defaultWardenOptions, Warden } from './warden.js';
export type {
  EnqueueItem,
  EnqueueOptions,
  Health,
  JobType,
  ResolvedWardenOptions,
  StopOptions,
  WaitOptions,
  WardenOptions,
} from './warden.js';
export type {
  FallbackContext,
  JobContext,
  JobDefinition,
  RetryOptions,
} from './supervisor/jobDefinition.js';
export { defaultJobOptions } from './supervisor/jobDefinition.js';
export { backoffDelay, resolveBackoff } from './supervisor/backoff.js';
export type { BackoffOptions, ResolvedBackoff } from './supervisor/backoff.js';
export { createManualClock, realClock } from './clock.js';
export type { Clock, ManualClock, TimerHandle } from './clock.js';
export {
  canRetry,
  jobMachine,
  jobStatuses,
  nextJobStatus,
  terminalJobStatuses,
} from './machines/jobMachine.js';
export type {
  JobMachineContext,
  JobMachineEvent,
  JobMachineInput,
  JobStatus,
} from './machines/jobMachine.js';
export { deriveTransitionTable, jobTransitions } from './machines/jobTransitions.js';
export type { Transition, TransitionTable } from './machines/jobTransitions.js';
export type { Job, JobFilter, JobHistoryEntry, JobProgress } from './persistence/Store.js';
export type { Disposable } from './events/eventBus.js';
export { isActorEvent, isJobEvent } from './events/types.js';
export type {
  ActorEvent,
  ActorEventMap,
  JobEvent,
  JobEventMap,
  WardenEvent,
  WardenEventMap,
  WardenEventOf,
  WardenEventType,
} from './events/types.js';
export type { Logger } from './observability/logger.js';
export {
  DatabaseError,
  DuplicateJobTypeError,
  InvalidOptionError,
  InvalidPayloadError,
  InvalidResultError,
  InvalidTransitionError,
  JobCancelledError,
  JobNotFoundError,
  NotRunningError,
  ShutdownError,
  StalledJobError,
  TimeoutError,
  UnknownJobTypeError,
  UnrecoverableError,
  VersionConflictError,
  WardenError,
} from './errors.js';
export type { SerializedError } from './errors.js';

export { createWarden } from './warden.js';
export type { Warden } from './facade/Warden.js';
export { defaultWardenOptions } from './facade/wardenOptions.js';
export { rootId } from './supervisor/rootNode.js';
export { defaultChildOptions, supervisor, worker } from './supervisor/childSpec.js';
export type {
  ActorStartContext,
  ChildSpec,
  OnExhausted,
  SupervisorSpec,
  WorkerSpec,
} from './supervisor/childSpec.js';
export type { TreeNode } from './supervisor/supervision.js';
export type { ActorHandle } from './supervisor/treeApi.js';
export { jobsNodeId } from './supervisor/jobsNode.js';
export { breakersNodeId, poolsNodeId } from './supervisor/rootNode.js';
export { defaultIntensity, tryRestart, windowFromHistory } from './policies/restartIntensity.js';
export type { IntensityOptions, IntensityWindow } from './policies/restartIntensity.js';
export { planRestart, shouldRestart } from './policies/strategy.js';
export type { ExitReason, RestartPlan, RestartType, Strategy } from './policies/strategy.js';
export { actorMachine } from './machines/actorMachine.js';
export type { ActorMachineEvent, ActorStatus } from './machines/actorMachine.js';
export { supervisorMachine } from './machines/supervisorMachine.js';
export type { SupervisorMachineEvent, SupervisorStatus } from './machines/supervisorMachine.js';
export type { ResolvedWardenOptions, StopOptions, WardenOptions } from './facade/wardenOptions.js';
export type { EnqueueItem, EnqueueOptions } from './facade/enqueueChecks.js';
export type { JobType, WaitOptions } from './facade/jobsApi.js';
export type { Health } from './facade/lifecycle.js';
export type {
  FallbackContext,
  JobContext,
  JobDefinition,
  RetryOptions,
} from './actors/jobDefinition.js';
export { defaultJobOptions } from './actors/jobDefinition.js';
export { backoffDelay, resolveBackoff } from './policies/backoff.js';
export type { BackoffOptions, ResolvedBackoff } from './policies/backoff.js';
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
export type {
  ActorEventRecord,
  DeadActorRecord,
  Job,
  JobFilter,
  JobHistoryEntry,
  JobProgress,
  UndeliverableRecord,
} from './persistence/Store.js';
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
  ActorNotFoundError,
  DuplicateActorError,
  MaxRunExceededError,
  StartTimeoutError,
  SupervisorEscalatedError,
  DatabaseCorruptError,
  DatabaseError,
  DatabaseInUseError,
  DatabaseUnavailableError,
  DatabaseWriteFailedError,
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
  NotAWardenDatabaseError,
  NotRunningError,
  SchemaTooNewError,
  ShutdownError,
  StalledJobError,
  TimeoutError,
  TransactionLostError,
  UnknownJobTypeError,
  UnrecoverableError,
  VersionConflictError,
  WardenError,
} from './errors.js';
export type {
  DatabaseErrorCode,
  SerializedError,
  WardenErrorByCode,
  WardenErrorCode,
} from './errors.js';
export type { Breaker, BreakerStats } from './actors/breaker.js';
export { defaultBreakerOptions } from './actors/breakerOptions.js';
export type { BreakerOptions, CallOptions } from './actors/breakerOptions.js';
export type { CachedOptions, CachedValue } from './actors/breakerCache.js';
export { circuitBreakerMachine, breakerStates } from './machines/circuitBreakerMachine.js';
export type {
  BreakerMachineContext,
  BreakerMachineEvent,
  BreakerMachineInput,
  BreakerState,
} from './machines/circuitBreakerMachine.js';
export type { BreakerHistoryEntry } from './persistence/breakerStore.js';
export { emptyWindow, recordOutcome, tripCause, windowTotals } from './policies/breakerWindow.js';
export type {
  TripCause,
  TripRules,
  WindowOptions,
  WindowState,
  WindowTotals,
} from './policies/breakerWindow.js';
export { isBreakerEvent } from './events/types.js';
export type { BreakerEvent, BreakerEventMap } from './events/types.js';
export { CallTimeoutError, CircuitOpenError } from './errors.js';
export type { Lease, Pool, PoolStats } from './actors/pool.js';
export { defaultPoolOptions } from './actors/poolOptions.js';
export type {
  AcquireOptions,
  PoolCreateContext,
  PoolOperationContext,
  PoolOptions,
} from './actors/poolOptions.js';
export { nextSlotState, poolSlotMachine, slotTransitions } from './machines/poolSlotMachine.js';
export type { SlotMachineEvent, SlotState } from './machines/poolSlotMachine.js';
export {
  LeaseEndedError,
  PoolClosedError,
  PoolOperationTimeoutError,
  PoolTimeoutError,
  ResourceLostError,
} from './errors.js';

/**
 * `warden`: the API (createWarden and what it returns), its types, its errors, and the `Store`
 * type. The machines and their transition tables are on `warden/machines`, the pure policies
 * (backoff, restart intensity and strategy, breaker windows) on `warden/policies`.
 */
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
export type { RestartType, Strategy } from './policies/strategy.js';
export type { ActorStatus } from './machines/actorMachine.js';
export type { SupervisorStatus } from './machines/supervisorMachine.js';
export type { ResolvedWardenOptions, StopOptions, WardenOptions } from './facade/wardenOptions.js';
export type { EnqueueItem, EnqueueOptions } from './facade/enqueueChecks.js';
export type { JobType, WaitOptions } from './facade/jobsApi.js';
export type {
  BreakersCheck,
  DeadLettersCheck,
  EventLoopCheck,
  Health,
  HealthCheck,
  HealthChecks,
  HealthStatus,
  PoolHealth,
  PoolsCheck,
  StallsCheck,
  StoreCheck,
  SupervisionCheck,
  WardenState,
} from './observability/healthTypes.js';
export { healthCheckNames } from './observability/healthTypes.js';
export { defaultHealthOptions } from './observability/healthOptions.js';
export type { HealthOptions, ResolvedHealthOptions } from './observability/healthOptions.js';
export type { EventLoopReading, EventLoopSampler } from './observability/healthEventLoop.js';
export type {
  ErrorEvent,
  ErrorEventFilter,
  ErrorSource,
} from './persistence/sqlite/errorEvents.js';
export { errorSources } from './persistence/sqlite/errorEvents.js';
export type { ErrorRetention, ErrorRetentionOptions } from './observability/errorLog.js';
export { defaultErrorRetention } from './observability/errorLog.js';
export type {
  FallbackContext,
  JobContext,
  JobDefinition,
  RetryOptions,
} from './actors/jobDefinition.js';
export { defaultJobOptions } from './actors/jobDefinition.js';
export type { BackoffOptions } from './policies/backoff.js';
export { createManualClock, realClock } from './clock.js';
export type { Clock, ManualClock, TimerHandle } from './clock.js';
export { jobStatuses, terminalJobStatuses } from './machines/jobMachine.js';
export type { JobStatus } from './machines/jobMachine.js';
export type {
  ActorEventRecord,
  BatchResult,
  BatchStep,
  ClaimedJob,
  ClaimRoom,
  DeadActorRecord,
  Job,
  JobFilter,
  JobHistoryEntry,
  JobPage,
  JobProgress,
  NewJob,
  OwnerRecord,
  OwnershipClaim,
  PromotedJob,
  StatusChange,
  StepResult,
  StepValues,
  Store,
  UndeliverableRecord,
  WriteBatch,
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
export { currentTrace, withTrace } from './observability/traceStorage.js';
export { formatTraceparent, parseTraceparent } from './observability/traceContext.js';
export type { TraceContext } from './observability/traceContext.js';
export { databaseMetrics } from './observability/metrics/databaseMetrics.js';
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
export { breakerStates } from './machines/circuitBreakerMachine.js';
export type { BreakerState } from './machines/circuitBreakerMachine.js';
export type { BreakerHistoryEntry } from './persistence/breakerStore.js';
export { isBreakerEvent } from './events/types.js';
export type { BreakerEvent, BreakerEventMap } from './events/types.js';
export { CallTimeoutError, CircuitOpenError } from './errors.js';
export { MachineLoadError } from './errors.js';
export type { MachineLoadFailure } from './errors.js';
export type { Lease, Pool, PoolStats } from './actors/pool.js';
export { defaultPoolOptions } from './actors/poolOptions.js';
export type {
  AcquireOptions,
  PoolCreateContext,
  PoolOperationContext,
  PoolOptions,
} from './actors/poolOptions.js';
export type { SlotState } from './machines/poolSlotMachine.js';
export {
  LeaseEndedError,
  PoolClosedError,
  PoolOperationTimeoutError,
  PoolTimeoutError,
  ResourceLostError,
} from './errors.js';
export { issueCommand } from './commands/issueCommand.js';
export type { CommandOutcome, CommandRequest, IssueOptions } from './commands/issueCommand.js';
export { replayAllDead } from './commands/replayAllDead.js';
export type { DeadFilter, ReplayAllResult } from './commands/replayAllDead.js';
export { bulkJobs } from './commands/bulkJobs.js';
export type { BulkAction, BulkFilter, BulkOptions, BulkResult } from './commands/bulkJobs.js';
export type { CommandProgress } from './commands/awaitCommands.js';
export { commandKinds } from './supervisor/commands/commandKinds.js';
export type {
  ActorCommandResult,
  CommandKind,
  CommandResult,
  JobCommandResult,
  TypeCommandResult,
} from './supervisor/commands/commandKinds.js';
export { CommandTimeoutError } from './errors.js';
export type {
  CommandRecord,
  CommandStatus,
  OperatorStore,
  PausedTypeRecord,
} from './persistence/Store.js';
export type { JobTypeEventMap } from './events/types.js';

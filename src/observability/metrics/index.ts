export { databaseMetrics } from './databaseMetrics.js';
export { jobDurationBuckets, type JobOutcome } from './jobEventMetrics.js';
export {
  builtInStates,
  machineNames,
  statesOf,
  type MachineName,
  type MachineStates,
} from './machineStates.js';
export { recordJobBatch } from './jobBatchStates.js';
export { StateTimes, type StateObserver } from './stateTimes.js';
export { WardenMetrics, type MetricsSources } from './wardenMetrics.js';

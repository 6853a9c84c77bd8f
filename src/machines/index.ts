/**
 * `warden/machines`: the pure XState machines behind Warden's actors and the transition tables
 * derived from them, for charts, model-based tests and tools. Using Warden never needs them.
 */
export {
  canRetry,
  jobMachine,
  jobStatuses,
  nextJobStatus,
  terminalJobStatuses,
} from './jobMachine.js';
export type {
  JobMachineContext,
  JobMachineEvent,
  JobMachineInput,
  JobStatus,
} from './jobMachine.js';
export { deriveTransitionTable, jobTransitions } from './jobTransitions.js';
export type { Transition, TransitionTable } from './jobTransitions.js';
export { actorMachine } from './actorMachine.js';
export type { ActorMachineEvent, ActorStatus } from './actorMachine.js';
export { supervisorMachine } from './supervisorMachine.js';
export type { SupervisorMachineEvent, SupervisorStatus } from './supervisorMachine.js';
export { breakerStates, circuitBreakerMachine } from './circuitBreakerMachine.js';
export type {
  BreakerMachineContext,
  BreakerMachineEvent,
  BreakerMachineInput,
  BreakerState,
} from './circuitBreakerMachine.js';
export { nextSlotState, poolSlotMachine, slotTransitions } from './poolSlotMachine.js';
export type { SlotMachineEvent, SlotState } from './poolSlotMachine.js';

import { setup } from 'xstate';
import { deriveTransitionTable, type TransitionTable } from './jobTransitions.js';

/** Every state a pool slot can be in. */
export type SlotState =
  'creating' | 'idle' | 'validating' | 'leased' | 'retiring' | 'destroying' | 'destroyed';

/** The events that move a slot; the pool sends one for every change of its resource. */
export type SlotMachineEvent =
  /** `create` resolved with a resource. */
  | { readonly type: 'CREATED' }
  /** `create` threw or timed out: the slot ends and its supervisor decides (backoff, restart). */
  | { readonly type: 'CREATE_FAILED' }
  /** A health check or a borrow checks the idle resource. */
  | { readonly type: 'VALIDATE' }
  /** The check passed: back to idle. */
  | { readonly type: 'VALID' }
  /** The check passed for a borrower, who now holds it. */
  | { readonly type: 'VALID_LEASE' }
  /** An acquirer took the idle resource. */
  | { readonly type: 'LEASE' }
  /** Its holder gave it back. */
  | { readonly type: 'RELEASE' }
  /** It must go (too old, used up, idle too long, broken, failed a check, destroyed by its holder, the pool stops). A leased one goes once it is released. */
  | { readonly type: 'RETIRE' }
  /** `destroy` finished (or timed out and the resource was abandoned). */
  | { readonly type: 'DESTROYED' };

/**
 * One slot of a resource pool, from creating its resource to destroying it. `retiring` is a
 * leased resource that must go once its holder releases it; every other way out goes straight
 * to `destroying`.
 */
export const poolSlotMachine = setup({
  types: { events: {} as SlotMachineEvent },
}).createMachine({
  id: 'slot',
  initial: 'creating',
  states: {
    creating: { on: { CREATED: 'idle', CREATE_FAILED: 'destroyed' } },
    idle: { on: { LEASE: 'leased', VALIDATE: 'validating', RETIRE: 'destroying' } },
    validating: { on: { VALID: 'idle', VALID_LEASE: 'leased', RETIRE: 'destroying' } },
    leased: { on: { RELEASE: 'idle', RETIRE: 'retiring' } },
    retiring: { on: { RELEASE: 'destroying' } },
    destroying: { on: { DESTROYED: 'destroyed' } },
    destroyed: { type: 'final' },
  },
});

/**
 * The slot's legal changes, read from `poolSlotMachine` when this module loads: a slot changes
 * state thousands of times a second, so it is checked against this table rather than by sending
 * a live actor each event (the table is the machine's, not a second copy).
 */
export const slotTransitions: TransitionTable<SlotState, SlotMachineEvent['type']> =
  deriveTransitionTable(poolSlotMachine);

/** The state `event` moves a slot in `from` to, or undefined when the machine refuses it. */
export function nextSlotState(
  from: SlotState,
  event: SlotMachineEvent['type'],
): SlotState | undefined {
  return slotTransitions.targetsOn(from, event)[0];
}

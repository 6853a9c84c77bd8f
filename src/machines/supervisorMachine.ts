import { createActor, setup } from 'xstate';
import { statusCell, type StatusCell } from './statusCell.js';

/** Every status a supervisor can be in. */
export type SupervisorStatus =
  'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failing' | 'failed' | 'dead';

/** The events that move a supervisor between statuses. */
export type SupervisorMachineEvent =
  /** Its parent (or Warden, for the root) starts it. */
  | { readonly type: 'START' }
  /** Every child has started. */
  | { readonly type: 'STARTED' }
  /** A graceful stop was asked for. */
  | { readonly type: 'STOP' }
  /** Its restart intensity is exceeded (or a child failed to start): it stops its children. */
  | { readonly type: 'FAIL' }
  /** Its children are all stopped. */
  | { readonly type: 'STOPPED' }
  /** It is dead-lettered instead of escalating. */
  | { readonly type: 'DEAD' }
  /** A user revived it. */
  | { readonly type: 'REVIVE' };

/** The lifecycle of a supervisor in the supervision tree. */
export const supervisorMachine = setup({
  types: { events: {} as SupervisorMachineEvent },
}).createMachine({
  id: 'supervisor',
  initial: 'idle',
  states: {
    idle: { on: { START: 'starting', DEAD: 'dead' } },
    starting: { on: { STARTED: 'running', FAIL: 'failing', STOP: 'stopping' } },
    running: { on: { STOP: 'stopping', FAIL: 'failing' } },
    stopping: { on: { STOPPED: 'stopped' } },
    stopped: { on: { START: 'starting' } },
    failing: { on: { STOPPED: 'failed' } },
    failed: { on: { START: 'starting', DEAD: 'dead' } },
    dead: { on: { REVIVE: 'idle' } },
  },
});

/** A started `supervisorMachine` actor wrapped as a status cell. */
export function supervisorStatusCell(): StatusCell<SupervisorStatus, SupervisorMachineEvent> {
  return statusCell(createActor(supervisorMachine).start());
}

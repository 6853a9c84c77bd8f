import { createActor, setup } from 'xstate';
import { statusCell, type StatusCell } from './statusCell.js';

/** Every status a supervised worker actor can be in. */
export type ActorStatus =
  'idle' | 'starting' | 'running' | 'stopping' | 'exited' | 'restarting' | 'dead';

/** The events that move a supervised actor between statuses. */
export type ActorMachineEvent =
  /** The supervisor starts (or restarts) the actor. */
  | { readonly type: 'START' }
  /** The actor called `ready()` (or needs no readiness check). */
  | { readonly type: 'READY' }
  /** The supervisor asked it to stop: its signal is aborted. */
  | { readonly type: 'STOP' }
  /** It ended: on its own, by failing, or after being stopped. */
  | { readonly type: 'EXIT' }
  /** The supervisor will start it again after a backoff. */
  | { readonly type: 'RESTART' }
  /** Its restart budget is spent and it is dead-lettered. */
  | { readonly type: 'DEAD' }
  /** A user revived a dead-lettered actor. */
  | { readonly type: 'REVIVE' };

/**
 * The lifecycle of a supervised worker actor. Its supervisor sends these events; an event the
 * machine does not accept in the current status is a bug and is refused.
 */
export const actorMachine = setup({
  types: { events: {} as ActorMachineEvent },
}).createMachine({
  id: 'actor',
  initial: 'idle',
  states: {
    idle: { on: { START: 'starting', DEAD: 'dead' } },
    starting: { on: { READY: 'running', EXIT: 'exited', STOP: 'stopping' } },
    running: { on: { EXIT: 'exited', STOP: 'stopping' } },
    stopping: { on: { EXIT: 'exited' } },
    exited: { on: { START: 'starting', RESTART: 'restarting', DEAD: 'dead' } },
    restarting: { on: { START: 'starting', STOP: 'exited', DEAD: 'dead' } },
    dead: { on: { REVIVE: 'idle' } },
  },
});

/** A started `actorMachine` actor wrapped as a status cell. */
export function actorStatusCell(): StatusCell<ActorStatus, ActorMachineEvent> {
  return statusCell(createActor(actorMachine).start());
}

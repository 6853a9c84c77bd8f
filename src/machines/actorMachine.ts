import { createActor, setup } from 'xstate';

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

/** A live status holder for one actor or supervisor: refuses events its machine does not accept. */
export interface StatusCell<S extends string, E extends { type: string }> {
  readonly status: S;
  /** Applies `event`; returns false (changing nothing) when the machine does not accept it. */
  send(event: E): boolean;
  /** Releases the underlying actor. */
  stop(): void;
}

function cell<S extends string, E extends { type: string }>(actor: {
  getSnapshot(): { value: unknown; can(event: E): boolean };
  send(event: E): void;
  stop(): void;
}): StatusCell<S, E> {
  return {
    get status() {
      return actor.getSnapshot().value as S;
    },
    send(event) {
      if (!actor.getSnapshot().can(event)) return false;
      actor.send(event);
      return true;
    },
    stop: () => actor.stop(),
  };
}

/** A started `actorMachine` actor wrapped as a status cell. */
export function actorStatusCell(): StatusCell<ActorStatus, ActorMachineEvent> {
  return cell(createActor(actorMachine).start());
}

/** A started `supervisorMachine` actor wrapped as a status cell. */
export function supervisorStatusCell(): StatusCell<SupervisorStatus, SupervisorMachineEvent> {
  return cell(createActor(supervisorMachine).start());
}

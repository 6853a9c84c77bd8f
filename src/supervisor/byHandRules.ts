/**
 * When a child may be stopped, restarted or removed by hand (OTP's `terminate_child`,
 * `restart_child`, `delete_child`), as pure checks: each returns the `InvalidTransitionError` to
 * throw, naming the child's state, or undefined when the operation may go ahead.
 */
import { InvalidTransitionError, quote } from '../errors.js';

/** What a by-hand operation sees of a child and of its supervisor. */
export interface ChildView {
  readonly id: string;
  /** The child's machine state. */
  readonly state: string;
  /** Starting, running or stopping. */
  readonly alive: boolean;
  readonly dead: boolean;
  /** Stopped by hand, and kept stopped. */
  readonly held: boolean;
  readonly supervisorId: string;
  readonly supervisorState: string;
}

function refuse(child: ChildView, attempted: string, why: string): InvalidTransitionError {
  return new InvalidTransitionError(`actor ${quote(child.id)}`, child.state, attempted, why);
}

function supervisorUp(child: ChildView): boolean {
  return child.supervisorState === 'starting' || child.supervisorState === 'running';
}

function supervisorDown(child: ChildView, attempted: string): InvalidTransitionError {
  const why = `its supervisor ${quote(child.supervisorId)} is \`${child.supervisorState}\``;
  return refuse(child, attempted, why);
}

/** A child may be stopped unless it is down already: stopped by hand, dead, or down with its supervisor. */
export function refuseStop(child: ChildView): InvalidTransitionError | undefined {
  if (child.dead) return refuse(child, 'stop it', 'it is dead-lettered');
  if (child.held) return refuse(child, 'stop it', 'it was stopped by hand already');
  if (!supervisorUp(child)) return supervisorDown(child, 'stop it');
  return undefined;
}

/** Only a dead-lettered child, or one stopped by hand that has finished stopping, may be restarted, under a supervisor that is up. */
export function refuseRestart(child: ChildView): InvalidTransitionError | undefined {
  const attempted = 'restart it by hand';
  if (!supervisorUp(child)) return supervisorDown(child, attempted);
  if (child.dead || (child.held && !child.alive)) return undefined;
  const why = child.held
    ? 'it is still stopping'
    : 'only an actor stopped by hand or dead-lettered can be';
  return refuse(child, attempted, why);
}

/** A child may be removed once stopped: by hand, dead-lettered, or down with its supervisor. */
export function refuseRemove(child: ChildView): InvalidTransitionError | undefined {
  const stopped =
    !child.alive &&
    child.state !== 'restarting' &&
    (child.held || child.dead || !supervisorUp(child));
  return stopped ? undefined : refuse(child, 'remove it', 'stop it first');
}

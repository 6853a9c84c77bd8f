/**
 * Restart strategies (OTP's `one_for_one`, `one_for_all`, `rest_for_one`) as pure planning: given
 * the children and the one that exited, say which to stop, start again and remove. Carrying the plan
 * out (aborting signals, waiting `shutdownMs`, backoff, checking restart intensity) is the
 * supervisor's job.
 */
import { InvalidOptionError } from '../errors.js';

/** Which siblings are restarted with a child that exits and is to be restarted. */
export type Strategy = 'one-for-one' | 'one-for-all' | 'rest-for-one';

/** When a child that exits is restarted: always, only after an abnormal exit, or never. */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** `normal` when the child finished on its own (resolved, reached a final state), else `abnormal`. */
export type ExitReason = 'normal' | 'abnormal';

/**
 * Whether a child that exited for `reason` should be restarted, by its restart type (OTP):
 * permanent always, transient only after an abnormal exit, temporary never.
 */
export function shouldRestart(restart: RestartType, reason: ExitReason): boolean {
  switch (restart) {
    case 'permanent':
      return true;
    case 'transient':
      return reason === 'abnormal';
    case 'temporary':
      return false;
    default:
      return unreachable('restart', restart);
  }
}

/** A child as the planner sees it. */
export interface PlannedChild {
  readonly id: string;
  readonly restart: RestartType;
  /** Whether it is running now; a dead child is never stopped. */
  readonly alive: boolean;
}

/** What the supervisor does when child `exitedId` exits for `reason`; `children` are in start order. */
export interface RestartPlan {
  /** Live siblings to stop first, in the order to stop them (reverse start order). */
  readonly stop: readonly string[];
  /** Children to start again afterwards, in start order (the exited child included when it is to be restarted). */
  readonly start: readonly string[];
  /**
   * Children removed for good, in start order: temporary siblings the strategy takes down (stopped
   * first if alive), and the exited child if it is not restarted.
   */
  readonly remove: readonly string[];
}

/**
 * What the supervisor does when child `exitedId` exits for `reason`; `children` are in start order.
 *
 * If the exited child is not to be restarted (`shouldRestart` is false: it is temporary, or
 * transient and exited normally) the strategy does not apply: nothing is stopped or started and
 * the exited child alone is removed, because it is done. Otherwise the strategy picks the children
 * to restart with it (one-for-one: none; one-for-all: every other child; rest-for-one: those
 * started after it); of these, the live ones are stopped in reverse start order, then all but the
 * temporary ones are started again in start order, with the exited child in its place, and the
 * temporary ones are removed, as OTP never restarts a temporary child. A dead sibling in that set
 * is not stopped but is started again (OTP restarts every child spec it keeps). The exited child's
 * own `alive` is ignored. Throws `InvalidOptionError` if `exitedId` is not a child or two children
 * share an id.
 */
export function planRestart(
  strategy: Strategy,
  children: readonly PlannedChild[],
  exitedId: string,
  reason: ExitReason,
): RestartPlan {
  checkUniqueIds(children);
  const index = children.findIndex((child) => child.id === exitedId);
  const exited = children[index];
  if (exited === undefined) {
    throw new InvalidOptionError('exitedId', 'the id of one of `children`', exitedId);
  }
  if (!shouldRestart(exited.restart, reason)) {
    return { stop: [], start: [], remove: [exitedId] };
  }
  const siblings = affectedSiblings(strategy, children, index);
  const stop: string[] = [];
  const start: string[] = [];
  const remove: string[] = [];
  for (const child of children) {
    if (child === exited) {
      start.push(child.id);
    } else if (siblings.has(child)) {
      if (child.alive) stop.push(child.id);
      (child.restart === 'temporary' ? remove : start).push(child.id);
    }
  }
  return { stop: stop.reverse(), start, remove };
}

/** The order in which to stop children given in start order: the reverse, as in OTP. */
export function shutdownOrder(ids: readonly string[]): string[] {
  return [...ids].reverse();
}

/** The siblings a strategy restarts along with the child at `index`. */
function affectedSiblings(
  strategy: Strategy,
  children: readonly PlannedChild[],
  index: number,
): ReadonlySet<PlannedChild> {
  switch (strategy) {
    case 'one-for-one':
      return new Set();
    case 'one-for-all':
      return new Set(children.filter((_, i) => i !== index));
    case 'rest-for-one':
      return new Set(children.slice(index + 1));
    default:
      return unreachable('strategy', strategy);
  }
}

/** Throws if two children share an id, which would make a plan ambiguous. */
function checkUniqueIds(children: readonly PlannedChild[]): void {
  const seen = new Set<string>();
  children.forEach((child, i) => {
    if (seen.has(child.id)) {
      throw new InvalidOptionError(`children[${i}].id`, 'unique among `children`', child.id);
    }
    seen.add(child.id);
  });
}

/** An exhaustive switch's default: only reachable from untyped callers. */
function unreachable(name: string, value: never): never {
  throw new InvalidOptionError(name, 'a known value', value);
}

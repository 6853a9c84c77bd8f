import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { jobMachine, type JobMachineEvent, type JobState } from './jobMachine.js';

/** One legal status change: the event that causes it and where it leads. */
export interface Transition<S extends string = string, E extends string = string> {
  readonly from: S;
  readonly event: E;
  readonly to: S;
}

/** The legal status changes of a machine, looked up by `from` and `to`. */
export interface TransitionTable<S extends string = string, E extends string = string> {
  /** Every legal change, in the machine's declaration order. */
  readonly transitions: readonly Transition<S, E>[];
  /** True when some event moves `from` to `to`. */
  allows(from: S, to: S): boolean;
  /** The statuses reachable from `from` in one step. */
  targets(from: S): readonly S[];
  /** The statuses `event` may lead to from `from` (several when guards choose). */
  targetsOn(from: S, event: E): readonly S[];
}

/** The top-level state (the stored status) a state node belongs to. */
function topLevelKey(node: AnyStateNode): string {
  let current = node;
  while (current.parent?.parent !== undefined) current = current.parent;
  return current.key;
}

/** Every state node below `node`, `node` included, depth first. */
function nodesOf(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap(nodesOf)];
}

/**
 * Reads the legal status changes straight from a machine's state nodes: a status is a top-level
 * state, and a transition between states within one top-level state is no status change.
 */
export function deriveTransitionTable<S extends string, E extends string>(
  machine: AnyStateMachine,
): TransitionTable<S, E> {
  const transitions: Transition<S, E>[] = [];
  const seen = new Set<string>();
  for (const top of Object.values(machine.root.states)) {
    for (const node of nodesOf(top)) {
      const from = top.key;
      for (const [event, definitions] of node.transitions) {
        for (const definition of definitions) {
          for (const target of definition.target ?? []) {
            const to = topLevelKey(target);
            if (to === from && target !== top && !definition.reenter) continue; // within a status
            const key = `${from}|${event}|${to}`;
            if (seen.has(key)) continue;
            seen.add(key);
            transitions.push({ from: from as S, event: event as E, to: to as S });
          }
        }
      }
    }
  }
  // Lookups are precomputed: the store consults them on every write.
  const none: readonly S[] = Object.freeze([]);
  const byFrom = new Map<string, S[]>();
  const byFromEvent = new Map<string, S[]>();
  const add = (map: Map<string, S[]>, key: string, to: S): void => {
    const list = map.get(key) ?? [];
    if (!list.includes(to)) list.push(to);
    map.set(key, list);
  };
  for (const t of transitions) {
    add(byFrom, t.from, t.to);
    add(byFromEvent, `${t.from}|${t.event}`, t.to);
  }
  return {
    transitions,
    allows: (from, to) => byFrom.get(from)?.includes(to) ?? false,
    targets: (from) => byFrom.get(from) ?? none,
    targetsOn: (from, event) => byFromEvent.get(`${from}|${event}`) ?? none,
  };
}

/** The job lifecycle's legal status changes, derived from `jobMachine` when this module loads. */
export const jobTransitions: TransitionTable<JobState, JobMachineEvent['type']> =
  deriveTransitionTable(jobMachine);

import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';
import { InvalidOptionError } from '../errors.js';
import { transitionLabel, type ChartTransitionKind } from './transitionLabel.js';

/** The kind of a state in a chart, as XState types it. */
export type ChartStateType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

/** One state of a machine, with its children: what every chart format draws. */
export interface ChartState {
  /** The state's full XState id (`job.running.attempt`), unique within the machine. */
  readonly id: string;
  /** Its key within its parent (`attempt`); the machine's id for the root. */
  readonly key: string;
  /** The keys from the root down to it (`['running', 'attempt']`; empty for the root). */
  readonly path: readonly string[];
  readonly type: ChartStateType;
  /** For a history state: `shallow` or `deep`. */
  readonly history?: 'shallow' | 'deep';
  /** The id of the child a compound state enters first, if it has one. */
  readonly initial?: string;
  /** The state's tags, as declared (`terminal`). */
  readonly tags: readonly string[];
  readonly children: readonly ChartState[];
}

export type { ChartTransitionKind };

/** One transition of a machine: a source, a target and what takes it. */
export interface ChartTransition {
  /** The id of the state that declares it. */
  readonly source: string;
  /** The id of the state it leads to: the source itself for a targetless transition. */
  readonly target: string;
  readonly kind: ChartTransitionKind;
  /** The event type that takes it; empty for an `always` transition. */
  readonly event: string;
  /** The guard's name, or a description of an inline or combined guard. */
  readonly guard?: string;
  /** True for a transition without a target: it runs its actions and stays. */
  readonly internal: boolean;
  /** What a chart writes on its arrow: `FAIL [canRetry]`, `after openPeriod`, `always`. */
  readonly label: string;
}

/** A machine's states and transitions, read from the machine itself, ready to be drawn. */
export interface ChartModel {
  /** The machine's id. */
  readonly id: string;
  readonly root: ChartState;
  /** Every transition, in the machine's declaration order. */
  readonly transitions: readonly ChartTransition[];
}

/**
 * True for an XState v5 machine, from this or any other copy of xstate (a user's machine file may
 * bring its own), so it is a check of shape, not `instanceof`.
 */
export function isStateMachine(value: unknown): value is AnyStateMachine {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<'root' | 'transition' | 'getInitialSnapshot', unknown>>;
  const root = candidate.root as Partial<Record<'states' | 'transitions' | 'id', unknown>> | null;
  return (
    typeof candidate.transition === 'function' &&
    typeof candidate.getInitialSnapshot === 'function' &&
    typeof root === 'object' &&
    root !== null &&
    typeof root.id === 'string' &&
    typeof root.states === 'object' &&
    root.transitions instanceof Map
  );
}

/** Refuses anything that is not an XState v5 machine, quoting it. */
export function assertStateMachine(value: unknown): asserts value is AnyStateMachine {
  if (!isStateMachine(value)) {
    throw new InvalidOptionError(
      'machine',
      'an XState v5 machine (from `createMachine` or `setup(...).createMachine`)',
      value,
    );
  }
}

function stateOf(graph: DirectedGraphNode): ChartState {
  const node = graph.stateNode;
  const initial = node.type === 'compound' ? node.initial.target[0]?.id : undefined;
  const history =
    node.type === 'history' ? (node.history === 'deep' ? 'deep' : 'shallow') : undefined;
  return {
    id: node.id,
    key: node.parent === undefined ? node.machine.id : node.key,
    path: [...node.path],
    type: node.type,
    ...(history === undefined ? {} : { history }),
    ...(initial === undefined ? {} : { initial }),
    tags: [...node.tags],
    children: graph.children.map(stateOf),
  };
}

function transitionsOf(graph: DirectedGraphNode): ChartTransition[] {
  const node: AnyStateNode = graph.stateNode;
  // `toDirectedGraph` leaves out eventless (`always`) transitions: they are read from the node.
  const definitions = [
    ...graph.edges.map((edge) => ({ transition: edge.transition, target: edge.target })),
    ...(node.always ?? []).flatMap((transition) =>
      (transition.target ?? [node]).map((target) => ({ transition, target })),
    ),
  ];
  const own = definitions.map(({ transition, target }): ChartTransition => {
    const label = transitionLabel(transition);
    return {
      source: node.id,
      target: target.id,
      kind: label.kind,
      event: label.event,
      ...(label.guard === undefined ? {} : { guard: label.guard }),
      internal: transition.target === undefined || transition.target.length === 0,
      label: label.text,
    };
  });
  return [...own, ...graph.children.flatMap(transitionsOf)];
}

/** Reads a machine's states and transitions through `xstate/graph`, for drawing. */
export function chartModel(machine: AnyStateMachine): ChartModel {
  assertStateMachine(machine);
  // The root, not the machine: `toDirectedGraph` unwraps a machine by `instanceof`, which a
  // machine from another copy of xstate fails.
  const graph = toDirectedGraph(machine.root);
  return { id: machine.root.id, root: stateOf(graph), transitions: transitionsOf(graph) };
}

/** Every state of a model, depth first, the root first. */
export function allStates(state: ChartState): ChartState[] {
  return [state, ...state.children.flatMap(allStates)];
}

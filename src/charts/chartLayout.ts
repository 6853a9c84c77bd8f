import { allStates, type ChartModel, type ChartState, type ChartTransition } from './chartModel.js';

/** A model prepared for a text format: states by id, their parents, and where each arrow goes. */
export interface ChartLayout {
  readonly model: ChartModel;
  /** True when the root is drawn as a box: it is parallel, or a transition leaves or enters it. */
  readonly rootDrawn: boolean;
  /** Each state by its id. */
  readonly stateOf: ReadonlyMap<string, ChartState>;
  /** Each state's parent, by id (the root has none). */
  readonly parentOf: ReadonlyMap<string, string>;
  /** The transitions to write inside each container, by the container's id (`outside` for none). */
  readonly transitionsIn: ReadonlyMap<string, readonly ChartTransition[]>;
  /** A short, unique identifier for each state, made of `[A-Za-z0-9_]` only. */
  readonly nameOf: ReadonlyMap<string, string>;
}

function ancestors(id: string, parentOf: ReadonlyMap<string, string>): string[] {
  const chain = [id];
  for (let parent = parentOf.get(id); parent !== undefined; parent = parentOf.get(parent)) {
    chain.push(parent);
  }
  return chain;
}

/** The container key of arrows drawn outside every box, the root's included. */
export const outside = '';

/**
 * The state whose box holds an arrow: the innermost one that holds both ends, and never one of
 * the ends itself (an arrow from a compound state to its own child is drawn outside the box).
 */
function containerOf(t: ChartTransition, parentOf: ReadonlyMap<string, string>, root: string) {
  const fromSource = ancestors(t.source, parentOf);
  const common = ancestors(t.target, parentOf).find((id) => fromSource.includes(id)) ?? root;
  if (common !== t.source && common !== t.target) return common;
  return parentOf.get(common) ?? outside;
}

/** Identifiers built from each state's path below the root, made unique by a suffix. */
function names(model: ChartModel): Map<string, string> {
  const result = new Map<string, string>();
  const taken = new Set<string>();
  // The root's name is used only when it is drawn. Not `root`: Mermaid names its own top
  // document `root`, and a state of that name vanishes into it.
  result.set(model.root.id, rootName);
  taken.add(rootName);
  for (const state of allStates(model.root).slice(1)) {
    let base = state.path.join('_').replace(/[^A-Za-z0-9_]/g, '_');
    // Digits first would read as a number in DOT, and a bare keyword would not parse in Mermaid.
    if (!/^[A-Za-z]/.test(base) || reserved.has(base.toLowerCase())) base = `s_${base}`;
    // Mermaid names the start and end markers of a box `<box>_start` and `<box>_end`.
    if (/_(start|end)$/.test(base)) base = `${base}_`;
    let name = base;
    for (let n = 2; taken.has(name); n += 1) name = `${base}_${n}`;
    taken.add(name);
    result.set(state.id, name);
  }
  return result;
}

/** The name of the root's box, when it is drawn: a user's state called `s_root` gets `s_root_2`. */
const rootName = 's_root';

/** Words that are Mermaid or DOT syntax where a state name would stand. */
const reserved = new Set([
  'state',
  'note',
  'end',
  'direction',
  'class',
  'classdef',
  'style',
  'click',
  'as',
  'graph',
  'digraph',
  'subgraph',
  'node',
  'edge',
  'strict',
  'root',
]);

/** Prepares a model for writing as text. */
export function chartLayout(model: ChartModel): ChartLayout {
  const parentOf = new Map<string, string>();
  const stateOf = new Map<string, ChartState>();
  const visit = (state: ChartState): void => {
    stateOf.set(state.id, state);
    for (const child of state.children) {
      parentOf.set(child.id, state.id);
      visit(child);
    }
  };
  visit(model.root);
  const rootId = model.root.id;
  // A parallel root is drawn too: Mermaid splits regions (`--`) only inside a composite state.
  const rootDrawn =
    model.root.type === 'parallel' ||
    model.transitions.some((t) => t.source === rootId || t.target === rootId);
  const transitionsIn = new Map<string, ChartTransition[]>();
  for (const t of model.transitions) {
    const container = containerOf(t, parentOf, rootId);
    const list = transitionsIn.get(container) ?? [];
    list.push(t);
    transitionsIn.set(container, list);
  }
  return { model, rootDrawn, stateOf, parentOf, transitionsIn, nameOf: names(model) };
}

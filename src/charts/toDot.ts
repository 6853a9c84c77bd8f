import type { AnyStateMachine } from 'xstate';
import { InternalError } from '../errors.js';
import { chartLayout, outside, type ChartLayout } from './chartLayout.js';
import { chartModel, type ChartState, type ChartTransition } from './chartModel.js';

/** A DOT double-quoted string. */
function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function name(layout: ChartLayout, id: string): string {
  const found = layout.nameOf.get(id);
  if (found === undefined) throw new InternalError(`the chart has no name for state ${id}`);
  return found;
}

/** True for a state drawn as a cluster: a compound or parallel one, or the root when it is drawn. */
function isBox(layout: ChartLayout, id: string): boolean {
  if (id === layout.model.root.id) return layout.rootDrawn;
  return (layout.stateOf.get(id)?.children.length ?? 0) > 0;
}

/**
 * The point inside a cluster where its arrows begin and end (its initial marker): Graphviz draws
 * no arrow to a cluster itself. A `/` never appears in a state's name, so no state takes it.
 */
function anchorOf(layout: ChartLayout, id: string): string {
  return `${name(layout, id)}/start`;
}

function clusterOf(layout: ChartLayout, id: string): string {
  return `cluster_${name(layout, id)}`;
}

function isInside(layout: ChartLayout, id: string, ancestor: string): boolean {
  for (let at = layout.parentOf.get(id); at !== undefined; at = layout.parentOf.get(at)) {
    if (at === ancestor) return true;
  }
  return false;
}

/** An arrow's end: the state, or its cluster's anchor, clipped at the border when it is a box. */
function end(layout: ChartLayout, id: string, other: string, clip: 'ltail' | 'lhead') {
  if (!isBox(layout, id)) return { node: name(layout, id), attributes: [] };
  // Graphviz clips at a cluster's border only when the other end lies outside the cluster.
  const clipped = other !== id && !isInside(layout, other, id);
  return {
    node: anchorOf(layout, id),
    attributes: clipped ? [`${clip}=${quoted(clusterOf(layout, id))}`] : [],
  };
}

/**
 * One arrow per source, target and kind: transitions that share both ends are stacked on one
 * label, a line each, so parallel arrows do not crowd the drawing.
 */
function grouped(transitions: readonly ChartTransition[]): ChartTransition[][] {
  const groups = new Map<string, ChartTransition[]>();
  for (const t of transitions) {
    const key = JSON.stringify([t.source, t.target, t.kind === 'event']);
    const group = groups.get(key) ?? [];
    group.push(t);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function edgeLine(layout: ChartLayout, group: readonly ChartTransition[], indent: string): string {
  const [first] = group;
  if (first === undefined) throw new InternalError('an empty group of transitions');
  const tail = end(layout, first.source, first.target, 'ltail');
  const head = end(layout, first.target, first.source, 'lhead');
  const label = group.map((t) => ` ${t.label} `).join('\n');
  const attributes = [`label=${quoted(label)}`, ...tail.attributes, ...head.attributes];
  if (first.kind !== 'event') attributes.push('style=dashed');
  return `${indent}${quoted(tail.node)} -> ${quoted(head.node)} [${attributes.join(', ')}];`;
}

function stateLines(layout: ChartLayout, state: ChartState, indent: string): string[] {
  if (!isBox(layout, state.id)) {
    const attributes =
      state.type === 'history'
        ? [`label=${quoted(state.history === 'deep' ? 'H*' : 'H')}`, 'shape=circle']
        : [`label=${quoted(state.key)}`];
    if (state.type === 'final') attributes.push('peripheries=2');
    return [`${indent}${quoted(name(layout, state.id))} [${attributes.join(', ')}];`];
  }
  const inner = `${indent}  `;
  const style = state.type === 'parallel' ? 'rounded,dashed' : 'rounded';
  return [
    `${indent}subgraph ${quoted(clusterOf(layout, state.id))} {`,
    `${inner}label=${quoted(state.key)}; style=${quoted(style)};`,
    ...body(layout, state, inner, anchorOf(layout, state.id)),
    `${indent}}`,
  ];
}

/** A container's start point, the arrow to its initial state, its states and its arrows. */
function body(layout: ChartLayout, container: ChartState, indent: string, start: string): string[] {
  // A parallel state enters every region at once: its point has no arrow of its own.
  const lines = [`${indent}${quoted(start)} [shape=point, width=0.1, label=""];`];
  if (container.initial !== undefined) {
    const head = end(layout, container.initial, container.id, 'lhead');
    const attributes = head.attributes.length === 0 ? '' : ` [${head.attributes.join(', ')}]`;
    lines.push(`${indent}${quoted(start)} -> ${quoted(head.node)}${attributes};`);
  }
  for (const child of container.children) lines.push(...stateLines(layout, child, indent));
  for (const group of grouped(layout.transitionsIn.get(container.id) ?? [])) {
    lines.push(edgeLine(layout, group, indent));
  }
  return lines;
}

/**
 * A Graphviz DOT digraph of a machine: every state (compound ones as clusters, parallel ones
 * dashed, final ones double-bordered), a point marking each initial state, and every transition
 * labelled with its event, `after <delay>` or `always` (dashed), and `[guard]`.
 */
export function toDot(machine: AnyStateMachine): string {
  const layout = chartLayout(chartModel(machine));
  const { root } = layout.model;
  const lines = [
    `digraph ${quoted(root.key)} {`,
    '  // generated from the machine by warden/charts',
    '  graph [compound=true, pad=0.25, fontname="Helvetica", fontsize=12, nodesep=0.4, ranksep=0.45];',
    '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  if (layout.rootDrawn) {
    lines.push('  "/start" [shape=point, width=0.1, label=""];');
    const anchor = quoted(anchorOf(layout, root.id));
    lines.push(`  "/start" -> ${anchor} [lhead=${quoted(clusterOf(layout, root.id))}];`);
    lines.push(...stateLines(layout, root, '  '));
  } else {
    lines.push(...body(layout, root, '  ', '/start'));
  }
  for (const group of grouped(layout.transitionsIn.get(outside) ?? [])) {
    lines.push(edgeLine(layout, group, '  '));
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

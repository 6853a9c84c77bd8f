import type { AnyStateMachine } from 'xstate';
import { InternalError } from '../errors.js';
import { chartLayout, outside, type ChartLayout } from './chartLayout.js';
import { chartModel, type ChartState, type ChartTransition } from './chartModel.js';

/** Text Mermaid shows as written: no quotes, no line breaks, no `;` or `#` (entity syntax). */
function text(value: string): string {
  // One pass, so the `;` that ends an entity is not itself replaced.
  return value.replace(/[\r\n]+/g, ' ').replace(/[#";]/g, (c) => entities[c] ?? c);
}

const entities: Readonly<Record<string, string>> = { '#': '#35;', '"': '#quot;', ';': '#59;' };

function name(layout: ChartLayout, id: string): string {
  const found = layout.nameOf.get(id);
  if (found === undefined) throw new InternalError(`the chart has no name for state ${id}`);
  return found;
}

function historyLabel(state: ChartState): string {
  return state.history === 'deep' ? 'H*' : 'H';
}

/** The lines of one container: its states (boxes within boxes), its start and end markers, its arrows. */
function body(layout: ChartLayout, container: ChartState, indent: string): string[] {
  const lines: string[] = [];
  const regions = container.type === 'parallel';
  container.children.forEach((child, index) => {
    if (regions && index > 0) lines.push(`${indent}--`);
    lines.push(...stateLines(layout, child, indent));
  });
  if (container.initial !== undefined) {
    lines.push(`${indent}[*] --> ${name(layout, container.initial)}`);
  }
  for (const child of container.children) {
    if (child.type === 'final') lines.push(`${indent}${name(layout, child.id)} --> [*]`);
  }
  for (const t of layout.transitionsIn.get(container.id) ?? []) {
    if (writtenIn(layout, t, container.id)) lines.push(`${indent}${arrow(layout, t)}`);
  }
  return lines;
}

/**
 * True when an arrow is written inside `container`'s box: when both its ends are children of the
 * container, or the container is the top of the chart. Mermaid moves a state into the box where
 * an arrow names it, so an arrow that crosses a border is written at the top instead.
 */
function writtenIn(layout: ChartLayout, t: ChartTransition, container: string): boolean {
  if (container === outside) return true;
  if (container === layout.model.root.id && !layout.rootDrawn) return true;
  return layout.parentOf.get(t.source) === container && layout.parentOf.get(t.target) === container;
}

function arrow(layout: ChartLayout, t: ChartTransition): string {
  return `${name(layout, t.source)} --> ${name(layout, t.target)} : ${text(t.label)}`;
}

function stateLines(layout: ChartLayout, state: ChartState, indent: string): string[] {
  const id = name(layout, state.id);
  const label = state.type === 'history' ? historyLabel(state) : state.key;
  const head = `${indent}state "${text(label)}" as ${id}`;
  if (state.children.length === 0) return [head];
  return [head, `${indent}state ${id} {`, ...body(layout, state, `${indent}  `), `${indent}}`];
}

/**
 * A Mermaid `stateDiagram-v2` of a machine: every state (compound ones as composite states,
 * parallel regions split by `--`), `[*]` arrows for each initial and final state, and every
 * transition labelled with its event, `after <delay>` or `always`, and `[guard]`.
 */
export function toMermaid(machine: AnyStateMachine): string {
  const layout = chartLayout(chartModel(machine));
  const { root } = layout.model;
  const lines = [
    'stateDiagram-v2',
    `  %% ${text(root.key)}: generated from the machine by warden/charts`,
  ];
  if (layout.rootDrawn) {
    lines.push(...stateLines(layout, root, '  '));
    lines.push(`  [*] --> ${name(layout, root.id)}`);
  } else {
    lines.push(...body(layout, root, '  '));
  }
  for (const [container, transitions] of layout.transitionsIn) {
    for (const t of transitions) {
      if (container === outside || !writtenIn(layout, t, container)) {
        lines.push(`  ${arrow(layout, t)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

import { expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { toDot, toMermaid, toSvg } from '../../src/charts/index.js';
import { machineFacts, parseDot, parseMermaid, parseSvg, type ParsedState } from './parsers.js';

/** The text an arrow carries for an event: `always`, `after <delay>`, or the event type. */
export function eventText(event: string): string {
  if (event === '') return 'always';
  if (event.startsWith('xstate.after.')) return `after ${event.split('.')[2] ?? ''}`;
  return event;
}

/** True when the chart draws the machine's root as a box: it is parallel, or an arrow touches it. */
function drawsRoot(machine: AnyStateMachine): boolean {
  const { transitions } = machineFacts(machine);
  return (
    machine.root.type === 'parallel' ||
    transitions.some((t) => t.from === machine.id || t.to === machine.id)
  );
}

/**
 * The parsed state standing for `key` under `parent` (`top`, the machine's id, for top-level
 * ones, which have no parent unless the root is drawn as a box).
 */
function stateFor(
  states: readonly ParsedState[],
  key: string,
  parent: string,
  machine: AnyStateMachine,
) {
  const top = machine.id;
  const rootBox = drawsRoot(machine);
  return states.find((s) => {
    if (s.label !== key) return false;
    if (key === top && parent === top) return s.parent === undefined;
    if (parent === top && !rootBox) return s.parent === undefined;
    return s.parent === parent;
  });
}

/**
 * Parses the machine's Mermaid chart with Mermaid's own parser and checks that every state sits
 * in its parent's box, every transition has its labelled arrow, and the initial state its marker.
 */
export async function expectMermaidShowsMachine(machine: AnyStateMachine): Promise<void> {
  const facts = machineFacts(machine);
  const text = toMermaid(machine);
  expect(text.startsWith('stateDiagram-v2\n')).toBe(true);
  const { states, arrows } = await parseMermaid(text);
  const nameOf = (key: string, parent: string): string => {
    const state = stateFor(states, key, parent, machine);
    expect(state, `state ${key} in ${parent}`).toBeDefined();
    return state?.name ?? '';
  };
  for (const { key, parent } of facts.states) nameOf(key, parent);
  const rootDrawn = drawsRoot(machine);
  expect(states).toHaveLength(facts.states.length + (rootDrawn ? 1 : 0));
  const parentOf = new Map(facts.states.map((s) => [s.key, s.parent]));
  for (const t of facts.transitions) {
    const from = nameOf(t.from, parentOf.get(t.from) ?? machine.id);
    const to = nameOf(t.to, parentOf.get(t.to) ?? machine.id);
    const found = arrows.filter((a) => a.from === from && a.to === to);
    expect(
      found.some((a) => a.label.startsWith(eventText(t.event))),
      `${t.from} → ${t.to} on ${eventText(t.event)}; arrows: ${JSON.stringify(found)}`,
    ).toBe(true);
  }
  const labelled = arrows.filter((a) => !a.from.startsWith('[*]') && !a.to.startsWith('[*]'));
  expect(labelled).toHaveLength(facts.transitions.length);
  const initial = rootDrawn ? machine.id : (machine.root.initial.target[0]?.key ?? '');
  expect(arrows).toContainEqual({ from: '[*]start', to: nameOf(initial, machine.id), label: '' });
}

/**
 * Lays the machine's DOT chart out with Graphviz and checks that it warns of nothing, that every
 * state is a node in its cluster (or a cluster with its start point), and every transition labelled.
 */
export async function expectDotShowsMachine(machine: AnyStateMachine): Promise<void> {
  const facts = machineFacts(machine);
  const { messages, states, arrows } = await parseDot(toDot(machine));
  expect(messages).toEqual([]);
  const nodeFor = (key: string, parent: string): string => {
    const state = stateFor(states, key, parent, machine);
    // A compound state is a cluster: its arrows meet the start point inside it.
    const anchor = states.find((s) => s.parent === key && s.name.endsWith('/start'));
    expect(state ?? anchor, `state ${key} in ${parent}`).toBeDefined();
    return (state ?? anchor)?.name ?? '';
  };
  const parentOf = new Map(facts.states.map((s) => [s.key, s.parent]));
  for (const { key, parent } of facts.states) nodeFor(key, parent);
  for (const t of facts.transitions) {
    const from = nodeFor(t.from, parentOf.get(t.from) ?? machine.id);
    const to = nodeFor(t.to, parentOf.get(t.to) ?? machine.id);
    const lines = arrows
      .filter((a) => a.from === from && a.to === to)
      .flatMap((a) => a.label.split('\\n').map((line) => line.trim()));
    expect(
      lines.some((line) => line.startsWith(eventText(t.event))),
      `${t.from} → ${t.to} on ${eventText(t.event)}; labels: ${JSON.stringify(lines)}`,
    ).toBe(true);
  }
}

/** Parses the machine's SVG drawing as XML and checks that it shows every state and every event. */
export async function expectSvgShowsMachine(machine: AnyStateMachine): Promise<void> {
  const facts = machineFacts(machine);
  const { root, texts } = parseSvg(await toSvg(machine));
  expect(root).toBe('svg');
  const shown = new Set(texts.map((t) => t.trim()));
  for (const { key } of facts.states) expect(shown, key).toContain(key);
  for (const t of facts.transitions) {
    expect(
      [...shown].some((text) => text.startsWith(eventText(t.event))),
      eventText(t.event),
    ).toBe(true);
  }
}

/** The parse checks of a machine's chart in all three formats, one test each. */
export function itDrawsEveryStateAndEvent(machine: AnyStateMachine): void {
  it('parses as Mermaid with every state in its box and every transition labelled', async () => {
    await expectMermaidShowsMachine(machine);
  });

  it('lays out as DOT without a warning, each state in its cluster, each transition labelled', async () => {
    await expectDotShowsMachine(machine);
  });

  it('draws as well-formed SVG showing every state and every event', async () => {
    await expectSvgShowsMachine(machine);
  });
}

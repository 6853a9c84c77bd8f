import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  builtInMachineNames,
  builtInMachines,
  chartOf,
  toDot,
  toMermaid,
  toSvg,
  type BuiltInMachineName,
} from '../../src/charts/index.js';
import { machineFacts, parseDot, parseMermaid, parseSvg, type ParsedState } from './parsers.js';

/** Every state of each built-in machine, nested ones included, written out by hand. */
const expectedStates: Record<BuiltInMachineName, string[]> = {
  job: [
    'new',
    'scheduled',
    'queued',
    'claimed',
    'running',
    'attempt',
    'fallback',
    'retrying',
    'succeeded',
    'cancelled',
    'dead',
  ],
  slot: ['creating', 'idle', 'validating', 'leased', 'retiring', 'destroying', 'destroyed'],
  breaker: ['restoring', 'closed', 'open', 'half-open', 'isolated'],
  supervisor: ['idle', 'starting', 'running', 'stopping', 'stopped', 'failing', 'failed', 'dead'],
  actor: ['idle', 'starting', 'running', 'stopping', 'exited', 'restarting', 'dead'],
};

/** The text an arrow carries for an event: `always`, `after <delay>`, or the event type. */
function eventText(event: string): string {
  if (event === '') return 'always';
  if (event.startsWith('xstate.after.')) return `after ${event.split('.')[2] ?? ''}`;
  return event;
}

/** The parsed state standing for `key` under `parent` (top-level ones have no parent). */
function stateFor(states: readonly ParsedState[], key: string, parent: string, top: string) {
  return states.find(
    (s) => s.label === key && (parent === top ? s.parent === undefined : s.parent === parent),
  );
}

describe.each(builtInMachineNames)('the %s chart', (name) => {
  const machine = builtInMachines[name];
  const facts = machineFacts(machine);

  it('is the machine chartOf names', () => {
    expect(chartOf(name)).toBe(machine);
    expect(facts.states.map((s) => s.key)).toEqual(expectedStates[name]);
  });

  it('matches its Mermaid and DOT snapshots', async () => {
    await expect(toMermaid(machine)).toMatchFileSnapshot(`__snapshots__/${name}.mmd`);
    await expect(toDot(machine)).toMatchFileSnapshot(`__snapshots__/${name}.dot`);
  });

  it('parses as Mermaid with every state in its box and every transition labelled', async () => {
    const text = toMermaid(machine);
    expect(text.startsWith('stateDiagram-v2\n')).toBe(true);
    const { states, arrows } = await parseMermaid(text);
    const nameOf = (key: string, parent: string): string => {
      const state = stateFor(states, key, parent, machine.id);
      expect(state, `state ${key} in ${parent}`).toBeDefined();
      return state?.name ?? '';
    };
    for (const { key, parent } of facts.states) nameOf(key, parent);
    expect(states).toHaveLength(facts.states.length);
    const parentOf = new Map(facts.states.map((s) => [s.key, s.parent]));
    for (const t of facts.transitions) {
      const from = nameOf(t.from, parentOf.get(t.from) ?? '');
      const to = nameOf(t.to, parentOf.get(t.to) ?? '');
      const found = arrows.filter((a) => a.from === from && a.to === to);
      expect(
        found.some((a) => a.label.startsWith(eventText(t.event))),
        `${t.from} → ${t.to} on ${eventText(t.event)}; arrows: ${JSON.stringify(found)}`,
      ).toBe(true);
    }
    const labelled = arrows.filter((a) => !a.from.startsWith('[*]') && !a.to.startsWith('[*]'));
    expect(labelled).toHaveLength(facts.transitions.length);
    // The initial state has the start marker.
    const initial = machine.root.initial.target[0]?.key ?? '';
    expect(arrows).toContainEqual({ from: '[*]start', to: nameOf(initial, machine.id), label: '' });
  });

  it('lays out as DOT without a warning, each state in its cluster, each transition labelled', async () => {
    const { messages, states, arrows } = await parseDot(toDot(machine));
    expect(messages).toEqual([]);
    const nodeFor = (key: string, parent: string): string => {
      const state = stateFor(states, key, parent, machine.id);
      // A compound state is a cluster: its arrows meet the start point inside it.
      const anchor = states.find((s) => s.parent === key && s.name.endsWith('/start'));
      expect(state ?? anchor, `state ${key} in ${parent}`).toBeDefined();
      return (state ?? anchor)?.name ?? '';
    };
    const parentOf = new Map(facts.states.map((s) => [s.key, s.parent]));
    for (const t of facts.transitions) {
      const from = nodeFor(t.from, parentOf.get(t.from) ?? '');
      const to = nodeFor(t.to, parentOf.get(t.to) ?? '');
      const lines = arrows
        .filter((a) => a.from === from && a.to === to)
        .flatMap((a) => a.label.split('\\n').map((line) => line.trim()));
      expect(
        lines.some((line) => line.startsWith(eventText(t.event))),
        `${t.from} → ${t.to} on ${eventText(t.event)}; labels: ${JSON.stringify(lines)}`,
      ).toBe(true);
    }
  });

  it('draws as well-formed SVG showing every state and every event', async () => {
    const { root, texts } = parseSvg(await toSvg(machine));
    expect(root).toBe('svg');
    const shown = new Set(texts.map((t) => t.trim()));
    for (const key of expectedStates[name]) expect(shown, key).toContain(key);
    for (const t of facts.transitions) {
      expect(
        [...shown].some((text) => text.startsWith(eventText(t.event))),
        eventText(t.event),
      ).toBe(true);
    }
  });

  it('is drawn in docs/charts as the machine stands (npm run charts redraws it)', async () => {
    const file = new URL(`../../docs/charts/${name}.svg`, import.meta.url);
    expect(readFileSync(file, 'utf8')).toBe(await toSvg(machine));
  });
});

describe('the job chart', () => {
  it('draws the fallback inside running, with its own start marker and the final state marked', async () => {
    const { states, arrows } = await parseMermaid(toMermaid(builtInMachines.job));
    expect(states.filter((s) => s.parent === 'running').map((s) => s.label)).toEqual([
      'attempt',
      'fallback',
    ]);
    expect(arrows).toContainEqual({ from: '[*]start', to: 'running_attempt', label: '' });
    expect(arrows).toContainEqual({ from: 'succeeded', to: '[*]end', label: '' });
    expect(arrows).toContainEqual({
      from: 'running_attempt',
      to: 'retrying',
      label: 'FAIL [canRetry]',
    });
    expect(arrows).toContainEqual({
      from: 'claimed',
      to: 'retrying',
      label: 'RECOVER [stallCountsAttempt && canRetryStall]',
    });
  });

  it('marks the final state with a double border in DOT', () => {
    expect(toDot(builtInMachines.job)).toContain('"succeeded" [label="succeeded", peripheries=2];');
  });
});

describe('the breaker chart', () => {
  it('labels eventless transitions `always` with their guard, and delayed ones `after <delay>`', async () => {
    const { arrows } = await parseMermaid(toMermaid(builtInMachines.breaker));
    expect(arrows).toContainEqual({
      from: 'restoring',
      to: 'half_open',
      label: 'always [resumes(state=half-open)]',
    });
    expect(arrows).toContainEqual({ from: 'restoring', to: 'closed', label: 'always' });
    expect(arrows).toContainEqual({ from: 'open', to: 'half_open', label: 'after openPeriod' });
    expect(arrows).toContainEqual({
      from: 'half_open',
      to: 'open',
      label: 'after trialWait [inline guard]',
    });
    expect(arrows).toContainEqual({ from: 'half_open', to: 'half_open', label: 'TRIAL_STARTED' });
  });

  it('dashes eventless and delayed arrows in DOT', () => {
    expect(toDot(builtInMachines.breaker)).toContain(
      '"open" -> "half_open" [label=" after openPeriod ", style=dashed];',
    );
  });
});

describe('the parsers these checks rely on', () => {
  it('refuse what is not a chart', async () => {
    await expect(parseMermaid('stateDiagram-v2\n  a --> : x\n  state {')).rejects.toThrow(
      /Parse error/,
    );
    expect((await parseDot('digraph { a -> }')).messages[0]).toMatch(/syntax error/);
    expect(() => parseSvg('<svg><g></svg>')).toThrow(/not well-formed/);
  });
});

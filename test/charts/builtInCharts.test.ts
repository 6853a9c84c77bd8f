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
import { itDrawsEveryStateAndEvent } from './chartChecks.js';
import { machineFacts, parseDot, parseMermaid, parseSvg } from './parsers.js';

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

  itDrawsEveryStateAndEvent(machine);

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

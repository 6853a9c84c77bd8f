import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap } from 'xstate/graph';
import { jobMachine, jobStatuses, type JobMachineEvent } from '../../src/machines/jobMachine.js';
import { deriveTransitionTable, jobTransitions } from '../../src/machines/jobTransitions.js';

describe('jobTransitions', () => {
  it('lists exactly the 14 legal status changes, in declaration order', () => {
    expect(jobTransitions.transitions).toEqual([
      { from: 'scheduled', event: 'DUE', to: 'queued' },
      { from: 'scheduled', event: 'CANCEL', to: 'cancelled' },
      { from: 'queued', event: 'START', to: 'running' },
      { from: 'queued', event: 'CANCEL', to: 'cancelled' },
      { from: 'running', event: 'SUCCEED', to: 'succeeded' },
      { from: 'running', event: 'FAIL', to: 'retrying' },
      { from: 'running', event: 'FAIL', to: 'dead' },
      { from: 'running', event: 'STALL', to: 'retrying' },
      { from: 'running', event: 'STALL', to: 'dead' },
      { from: 'running', event: 'CANCEL', to: 'cancelled' },
      { from: 'retrying', event: 'DUE', to: 'queued' },
      { from: 'retrying', event: 'CANCEL', to: 'cancelled' },
      { from: 'cancelled', event: 'REPLAY', to: 'queued' },
      { from: 'dead', event: 'REPLAY', to: 'queued' },
    ]);
  });

  describe('allows', () => {
    it.each([
      ['scheduled', 'queued'],
      ['queued', 'running'],
      ['running', 'retrying'],
      ['running', 'dead'],
      ['retrying', 'queued'],
      ['dead', 'queued'],
      ['cancelled', 'queued'],
    ] as const)('allows %s to %s', (from, to) => {
      expect(jobTransitions.allows(from, to)).toBe(true);
    });

    it.each([
      ['succeeded', 'queued'],
      ['succeeded', 'cancelled'],
      ['scheduled', 'running'],
      ['queued', 'succeeded'],
      ['retrying', 'running'],
      ['dead', 'running'],
      ['running', 'running'],
      ['running', 'queued'],
    ] as const)('refuses %s to %s', (from, to) => {
      expect(jobTransitions.allows(from, to)).toBe(false);
    });

    it('allows exactly the 12 distinct (from, to) pairs of the table', () => {
      const allowed = jobStatuses.flatMap((from) =>
        jobStatuses.filter((to) => jobTransitions.allows(from, to)).map((to) => `${from}>${to}`),
      );
      expect(allowed).toEqual([
        'scheduled>queued',
        'scheduled>cancelled',
        'queued>running',
        'queued>cancelled',
        'running>retrying',
        'running>succeeded',
        'running>cancelled',
        'running>dead',
        'retrying>queued',
        'retrying>cancelled',
        'cancelled>queued',
        'dead>queued',
      ]);
    });
  });

  describe('targets', () => {
    it('lists each reachable status once, in declaration order', () => {
      expect(jobTransitions.targets('running')).toEqual([
        'succeeded',
        'retrying',
        'dead',
        'cancelled',
      ]);
      expect(jobTransitions.targets('scheduled')).toEqual(['queued', 'cancelled']);
      expect(jobTransitions.targets('dead')).toEqual(['queued']);
    });

    it('gives nothing for a succeeded job', () => {
      expect(jobTransitions.targets('succeeded')).toEqual([]);
    });
  });

  describe('targetsOn', () => {
    it('gives both guarded outcomes of a failure', () => {
      expect(jobTransitions.targetsOn('running', 'FAIL')).toEqual(['retrying', 'dead']);
      expect(jobTransitions.targetsOn('running', 'STALL')).toEqual(['retrying', 'dead']);
    });

    it('gives one target for an unguarded event', () => {
      expect(jobTransitions.targetsOn('queued', 'START')).toEqual(['running']);
      expect(jobTransitions.targetsOn('retrying', 'DUE')).toEqual(['queued']);
    });

    it('gives nothing for an event the status ignores', () => {
      expect(jobTransitions.targetsOn('queued', 'FAIL')).toEqual([]);
      expect(jobTransitions.targetsOn('succeeded', 'REPLAY')).toEqual([]);
      expect(jobTransitions.targetsOn('running', 'DUE')).toEqual([]);
    });
  });

  it('agrees with every status change that xstate/graph walks', () => {
    const events: JobMachineEvent[] = [
      { type: 'DUE' },
      { type: 'START' },
      { type: 'SUCCEED' },
      { type: 'FAIL', retryable: true },
      { type: 'FAIL', retryable: false },
      { type: 'STALL' },
      { type: 'CANCEL' },
      { type: 'REPLAY' },
    ];
    const walked = new Set<string>();
    for (const fromState of [
      undefined,
      jobMachine.resolveState({ value: 'scheduled', context: { attempt: 0, maxAttempts: 3 } }),
    ]) {
      const edges = adjacencyMapToArray(
        getAdjacencyMap(jobMachine, {
          events,
          input: { maxAttempts: 3 },
          ...(fromState === undefined ? {} : { fromState }),
        }),
      );
      for (const edge of edges) {
        if (edge.state.value === edge.nextState.value) continue;
        walked.add(`${edge.state.value}|${edge.event.type}|${edge.nextState.value}`);
      }
    }
    const table = jobTransitions.transitions.map((t) => `${t.from}|${t.event}|${t.to}`);
    expect([...walked].sort()).toEqual([...table].sort());
  });
});

describe('deriveTransitionTable', () => {
  const lamp = createMachine({
    id: 'lamp',
    initial: 'off',
    states: {
      off: { on: { FLIP: 'on', NOTE: { actions: () => undefined } } },
      on: {
        on: {
          FLIP: 'off',
          SURGE: [
            { guard: () => false, target: 'broken' },
            { guard: () => false, target: 'broken' },
            { target: 'off' },
          ],
        },
      },
      broken: { type: 'final' },
    },
  });

  it("reads an ad-hoc machine's edges, skipping targetless and duplicate ones", () => {
    const table = deriveTransitionTable<'off' | 'on' | 'broken', 'FLIP' | 'SURGE' | 'NOTE'>(lamp);
    expect(table.transitions).toEqual([
      { from: 'off', event: 'FLIP', to: 'on' },
      { from: 'on', event: 'FLIP', to: 'off' },
      { from: 'on', event: 'SURGE', to: 'broken' },
      { from: 'on', event: 'SURGE', to: 'off' },
    ]);
    expect(table.allows('on', 'broken')).toBe(true);
    expect(table.allows('off', 'broken')).toBe(false);
    expect(table.targets('on')).toEqual(['off', 'broken']);
    expect(table.targetsOn('on', 'SURGE')).toEqual(['broken', 'off']);
    expect(table.targetsOn('off', 'NOTE')).toEqual([]);
    expect(table.targets('broken')).toEqual([]);
  });
});

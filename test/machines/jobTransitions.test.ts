import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap } from 'xstate/graph';
import {
  jobMachine,
  jobStatuses,
  type JobMachineEvent,
  type JobState,
} from '../../src/machines/jobMachine.js';
import { deriveTransitionTable, jobTransitions } from '../../src/machines/jobTransitions.js';

describe('jobTransitions', () => {
  it('lists exactly the 24 legal status changes, in declaration order', () => {
    expect(jobTransitions.transitions).toEqual([
      { from: 'new', event: 'ENQUEUE', to: 'scheduled' },
      { from: 'new', event: 'ENQUEUE', to: 'queued' },
      { from: 'scheduled', event: 'DUE', to: 'queued' },
      { from: 'scheduled', event: 'CANCEL', to: 'cancelled' },
      { from: 'queued', event: 'CLAIM', to: 'claimed' },
      { from: 'queued', event: 'CANCEL', to: 'cancelled' },
      { from: 'claimed', event: 'START', to: 'running' },
      { from: 'claimed', event: 'RELEASE', to: 'queued' },
      { from: 'claimed', event: 'RECOVER', to: 'retrying' },
      { from: 'claimed', event: 'RECOVER', to: 'dead' },
      { from: 'claimed', event: 'RECOVER', to: 'queued' },
      { from: 'claimed', event: 'CANCEL', to: 'cancelled' },
      { from: 'running', event: 'CANCEL', to: 'cancelled' },
      { from: 'running', event: 'SUCCEED', to: 'succeeded' },
      { from: 'running', event: 'FAIL', to: 'retrying' },
      { from: 'running', event: 'FAIL', to: 'dead' },
      { from: 'running', event: 'TIMEOUT', to: 'retrying' },
      { from: 'running', event: 'TIMEOUT', to: 'dead' },
      { from: 'running', event: 'STALL', to: 'retrying' },
      { from: 'running', event: 'STALL', to: 'dead' },
      { from: 'retrying', event: 'DUE', to: 'queued' },
      { from: 'retrying', event: 'CANCEL', to: 'cancelled' },
      { from: 'cancelled', event: 'REPLAY', to: 'queued' },
      { from: 'dead', event: 'REPLAY', to: 'queued' },
    ]);
  });

  describe('allows', () => {
    it.each([
      ['new', 'queued'],
      ['new', 'scheduled'],
      ['scheduled', 'queued'],
      ['queued', 'claimed'],
      ['claimed', 'running'],
      ['claimed', 'queued'],
      ['claimed', 'dead'],
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
      ['scheduled', 'claimed'],
      ['queued', 'running'],
      ['queued', 'succeeded'],
      ['claimed', 'succeeded'],
      ['claimed', 'claimed'],
      ['retrying', 'running'],
      ['retrying', 'claimed'],
      ['dead', 'running'],
      ['running', 'running'],
      ['running', 'queued'],
      ['running', 'claimed'],
      ['new', 'running'],
      ['queued', 'new'],
    ] as const)('refuses %s to %s', (from, to) => {
      expect(jobTransitions.allows(from, to)).toBe(false);
    });

    it('allows exactly the 19 distinct (from, to) pairs of the table', () => {
      const states: JobState[] = ['new', ...jobStatuses];
      const allowed = states.flatMap((from) =>
        states.filter((to) => jobTransitions.allows(from, to)).map((to) => `${from}>${to}`),
      );
      expect(allowed).toEqual([
        'new>scheduled',
        'new>queued',
        'scheduled>queued',
        'scheduled>cancelled',
        'queued>claimed',
        'queued>cancelled',
        'claimed>queued',
        'claimed>running',
        'claimed>retrying',
        'claimed>cancelled',
        'claimed>dead',
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
        'cancelled',
        'succeeded',
        'retrying',
        'dead',
      ]);
      expect(jobTransitions.targets('claimed')).toEqual([
        'running',
        'queued',
        'retrying',
        'dead',
        'cancelled',
      ]);
      expect(jobTransitions.targets('new')).toEqual(['scheduled', 'queued']);
      expect(jobTransitions.targets('scheduled')).toEqual(['queued', 'cancelled']);
      expect(jobTransitions.targets('queued')).toEqual(['claimed', 'cancelled']);
      expect(jobTransitions.targets('dead')).toEqual(['queued']);
    });

    it('gives nothing for a succeeded job', () => {
      expect(jobTransitions.targets('succeeded')).toEqual([]);
    });
  });

  describe('targetsOn', () => {
    it('gives every guarded outcome of a failure, a timeout, a stall and a recovery', () => {
      expect(jobTransitions.targetsOn('running', 'FAIL')).toEqual(['retrying', 'dead']);
      expect(jobTransitions.targetsOn('running', 'TIMEOUT')).toEqual(['retrying', 'dead']);
      expect(jobTransitions.targetsOn('running', 'STALL')).toEqual(['retrying', 'dead']);
      expect(jobTransitions.targetsOn('claimed', 'RECOVER')).toEqual([
        'retrying',
        'dead',
        'queued',
      ]);
      expect(jobTransitions.targetsOn('new', 'ENQUEUE')).toEqual(['scheduled', 'queued']);
    });

    it('gives one target for an unguarded event', () => {
      expect(jobTransitions.targetsOn('queued', 'CLAIM')).toEqual(['claimed']);
      expect(jobTransitions.targetsOn('claimed', 'START')).toEqual(['running']);
      expect(jobTransitions.targetsOn('claimed', 'RELEASE')).toEqual(['queued']);
      expect(jobTransitions.targetsOn('retrying', 'DUE')).toEqual(['queued']);
    });

    it('gives nothing for an event the status ignores', () => {
      expect(jobTransitions.targetsOn('queued', 'START')).toEqual([]);
      expect(jobTransitions.targetsOn('queued', 'FAIL')).toEqual([]);
      expect(jobTransitions.targetsOn('claimed', 'SUCCEED')).toEqual([]);
      expect(jobTransitions.targetsOn('running', 'RECOVER')).toEqual([]);
      expect(jobTransitions.targetsOn('running', 'START')).toEqual([]);
      expect(jobTransitions.targetsOn('succeeded', 'REPLAY')).toEqual([]);
      expect(jobTransitions.targetsOn('running', 'DUE')).toEqual([]);
    });
  });

  it('agrees with every status change that xstate/graph walks', () => {
    const events: JobMachineEvent[] = [
      { type: 'ENQUEUE', scheduled: false },
      { type: 'ENQUEUE', scheduled: true },
      { type: 'DUE' },
      { type: 'CLAIM' },
      { type: 'RELEASE' },
      { type: 'START' },
      { type: 'SUCCEED' },
      { type: 'FAIL', retryable: true },
      { type: 'FAIL', retryable: false },
      { type: 'TIMEOUT', retryable: true },
      { type: 'TIMEOUT', retryable: false },
      { type: 'STALL' },
      { type: 'RECOVER' },
      { type: 'CANCEL' },
      { type: 'REPLAY' },
    ];
    const statusOf = (value: unknown): string =>
      typeof value === 'string' ? value : (Object.keys(value as object)[0] as string);
    const walked = new Set<string>();
    // Enough inputs to take every guard both ways: a recovery within and past its stalls, with
    // attempts left and on the last one, with and without a fallback.
    for (const input of [
      { maxAttempts: 1, maxStalls: 0 },
      { maxAttempts: 3, maxStalls: 1 },
      { maxAttempts: 2, maxStalls: 2, hasFallback: true },
    ]) {
      const edges = adjacencyMapToArray(getAdjacencyMap(jobMachine, { events, input }));
      for (const edge of edges) {
        const from = statusOf(edge.state.value);
        const to = statusOf(edge.nextState.value);
        if (from === to) continue; // a refused event, or the fallback within running
        walked.add(`${from}|${edge.event.type}|${to}`);
      }
    }
    const table = jobTransitions.transitions.map((t) => `${t.from}|${t.event}|${t.to}`);
    expect([...walked].sort()).toEqual([...table].sort());
    expect(walked.size).toBe(24);
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

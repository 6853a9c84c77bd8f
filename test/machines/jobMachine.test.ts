import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import {
  canRetry,
  jobMachine,
  jobStatuses,
  nextJobStatus,
  terminalJobStatuses,
  type JobMachineContext,
  type JobMachineEvent,
  type JobStatus,
} from '../../src/machines/jobMachine.js';
import { jobTransitions } from '../../src/machines/jobTransitions.js';

/** Every event the machine knows, with `FAIL` in both of its flavours. */
const events: readonly JobMachineEvent[] = [
  { type: 'DUE' },
  { type: 'START' },
  { type: 'SUCCEED' },
  { type: 'FAIL', retryable: true },
  { type: 'FAIL', retryable: false },
  { type: 'STALL' },
  { type: 'CANCEL' },
  { type: 'REPLAY' },
];

type EventName =
  'DUE' | 'START' | 'SUCCEED' | 'FAIL(retryable)' | 'FAIL(fatal)' | 'STALL' | 'CANCEL' | 'REPLAY';

function nameOf(event: { readonly type: string; readonly retryable?: boolean }): string {
  if (event.type !== 'FAIL') return event.type;
  return event.retryable === true ? 'FAIL(retryable)' : 'FAIL(fatal)';
}

function eventNamed(name: EventName): JobMachineEvent {
  const event = events.find((candidate) => nameOf(candidate) === name);
  if (event === undefined) throw new Error(`no event named ${name}`);
  return event;
}

interface PathLike {
  readonly state: { readonly value: unknown; readonly context: JobMachineContext };
  readonly steps: readonly { readonly event: { readonly type: string } }[];
}

/** A path as one line: `status@attempt: EVENT EVENT …` (the leading `xstate.init` left out). */
function describePath(path: PathLike): string {
  const trail = path.steps
    .map((step) => step.event)
    .filter((event) => event.type !== 'xstate.init')
    .map(nameOf);
  return `${String(path.state.value)}@${path.state.context.attempt}: ${trail.join(' ')}`.trimEnd();
}

function statusesOf(paths: readonly PathLike[]): Set<string> {
  return new Set(paths.map((path) => String(path.state.value)));
}

function scheduledSnapshot(maxAttempts: number) {
  return jobMachine.resolveState({ value: 'scheduled', context: { attempt: 0, maxAttempts } });
}

describe('jobMachine', () => {
  describe('shortest paths from a fresh (queued) job', () => {
    it('reaches every status but scheduled when one attempt is allowed, never retrying', () => {
      const paths = getShortestPaths(jobMachine, { events, input: { maxAttempts: 1 } });
      expect(paths.map(describePath).sort()).toEqual([
        'cancelled@0: CANCEL',
        'cancelled@1: START CANCEL',
        'dead@1: START FAIL(retryable)',
        'queued@0:',
        'running@1: START',
        'succeeded@1: START SUCCEED',
      ]);
      expect(statusesOf(paths).has('retrying')).toBe(false);
    });

    it('walks through three attempts before a retryable failure kills the job', () => {
      const paths = getShortestPaths(jobMachine, { events, input: { maxAttempts: 3 } });
      expect(paths.map(describePath).sort()).toEqual([
        'cancelled@0: CANCEL',
        'cancelled@1: START CANCEL',
        'cancelled@2: START FAIL(retryable) DUE START CANCEL',
        'cancelled@3: START FAIL(retryable) DUE START FAIL(retryable) DUE START CANCEL',
        'dead@1: START FAIL(fatal)',
        'dead@2: START FAIL(retryable) DUE START FAIL(fatal)',
        'dead@3: START FAIL(retryable) DUE START FAIL(retryable) DUE START FAIL(retryable)',
        'queued@0:',
        'queued@1: START FAIL(retryable) DUE',
        'queued@2: START FAIL(retryable) DUE START FAIL(retryable) DUE',
        'retrying@1: START FAIL(retryable)',
        'retrying@2: START FAIL(retryable) DUE START FAIL(retryable)',
        'running@1: START',
        'running@2: START FAIL(retryable) DUE START',
        'running@3: START FAIL(retryable) DUE START FAIL(retryable) DUE START',
        'succeeded@1: START SUCCEED',
        'succeeded@2: START FAIL(retryable) DUE START SUCCEED',
        'succeeded@3: START FAIL(retryable) DUE START FAIL(retryable) DUE START SUCCEED',
      ]);
    });

    it('never enters scheduled: a job is only born scheduled', () => {
      for (const maxAttempts of [1, 3]) {
        const paths = getShortestPaths(jobMachine, { events, input: { maxAttempts } });
        expect(statusesOf(paths).has('scheduled')).toBe(false);
      }
    });
  });

  describe('shortest paths from a scheduled job', () => {
    it('reaches every status when three attempts are allowed', () => {
      const paths = getShortestPaths(jobMachine, {
        events,
        input: { maxAttempts: 3 },
        fromState: scheduledSnapshot(3),
      });
      expect([...statusesOf(paths)].sort()).toEqual([...jobStatuses].sort());
    });

    it('reaches every status but retrying when one attempt is allowed', () => {
      const paths = getShortestPaths(jobMachine, {
        events,
        input: { maxAttempts: 1 },
        fromState: scheduledSnapshot(1),
      });
      expect(paths.map(describePath).sort()).toEqual([
        'cancelled@0: CANCEL',
        'cancelled@1: DUE START CANCEL',
        'dead@1: DUE START FAIL(retryable)',
        'queued@0: DUE',
        'running@1: DUE START',
        'scheduled@0:',
        'succeeded@1: DUE START SUCCEED',
      ]);
    });
  });

  describe('simple paths', () => {
    it('lists every route of a one-attempt job', () => {
      const paths = getSimplePaths(jobMachine, { events, input: { maxAttempts: 1 } });
      expect(paths.map(describePath).sort()).toEqual([
        'cancelled@0: CANCEL',
        'cancelled@1: START CANCEL',
        'dead@1: START FAIL(fatal)',
        'dead@1: START FAIL(retryable)',
        'dead@1: START STALL',
        'queued@0:',
        'running@1: START',
        'succeeded@1: START SUCCEED',
      ]);
    });

    it('dead-letters on the third attempt only after two retryable failures or stalls', () => {
      const paths = getSimplePaths(jobMachine, { events, input: { maxAttempts: 3 } });
      const deadOnThird = paths.map(describePath).filter((line) => line.startsWith('dead@3:'));
      const retry = ['FAIL(retryable)', 'STALL'];
      const last = ['FAIL(fatal)', 'FAIL(retryable)', 'STALL'];
      const expected = retry.flatMap((first) =>
        retry.flatMap((second) =>
          last.map((third) => `dead@3: START ${first} DUE START ${second} DUE START ${third}`),
        ),
      );
      expect(deadOnThird.sort()).toEqual(expected.sort());
      expect(deadOnThird).toHaveLength(12);
    });

    it('only ever takes steps that the transition table allows', () => {
      for (const maxAttempts of [1, 3]) {
        for (const path of getSimplePaths(jobMachine, { events, input: { maxAttempts } })) {
          let from: JobStatus = 'queued';
          for (const step of path.steps.slice(1)) {
            const to = step.state.value;
            expect(jobTransitions.targetsOn(from, step.event.type)).toContain(to);
            from = to;
          }
        }
      }
    });
  });

  describe('context', () => {
    it('counts an attempt on START', () => {
      const actor = createActor(jobMachine, { input: { maxAttempts: 3 } }).start();
      actor.send({ type: 'START' });
      expect(actor.getSnapshot().context).toEqual({ attempt: 1, maxAttempts: 3 });
      actor.stop();
    });

    it('resets the attempts when a dead job is replayed', () => {
      const actor = createActor(jobMachine, {
        input: { maxAttempts: 3 },
        snapshot: jobMachine.resolveState({
          value: 'dead',
          context: { attempt: 3, maxAttempts: 3 },
        }),
      }).start();
      actor.send({ type: 'REPLAY' });
      expect(actor.getSnapshot().value).toBe('queued');
      expect(actor.getSnapshot().context).toEqual({ attempt: 0, maxAttempts: 3 });
      actor.stop();
    });

    it('marks succeeded, and only succeeded, as a final state', () => {
      const finals = jobStatuses.filter(
        (status) =>
          jobMachine.resolveState({ value: status, context: { attempt: 1, maxAttempts: 1 } })
            .status === 'done',
      );
      expect(finals).toEqual(['succeeded']);
      expect([...terminalJobStatuses]).toEqual(['succeeded', 'cancelled', 'dead']);
    });
  });
});

describe('canRetry', () => {
  it.each([
    { attempt: 0, maxAttempts: 1, retryable: true, expected: true },
    { attempt: 1, maxAttempts: 1, retryable: true, expected: false },
    { attempt: 1, maxAttempts: 3, retryable: true, expected: true },
    { attempt: 2, maxAttempts: 3, retryable: true, expected: true },
    { attempt: 3, maxAttempts: 3, retryable: true, expected: false },
    { attempt: 4, maxAttempts: 3, retryable: true, expected: false },
    { attempt: 1, maxAttempts: 3, retryable: false, expected: false },
    { attempt: 0, maxAttempts: 1, retryable: false, expected: false },
  ])(
    'answers $expected after attempt $attempt of $maxAttempts when retryable is $retryable',
    ({ attempt, maxAttempts, retryable, expected }) => {
      expect(canRetry({ attempt, maxAttempts }, retryable)).toBe(expected);
    },
  );
});

describe('nextJobStatus', () => {
  const eventNames: readonly EventName[] = [
    'DUE',
    'START',
    'SUCCEED',
    'FAIL(retryable)',
    'FAIL(fatal)',
    'STALL',
    'CANCEL',
    'REPLAY',
  ];

  /** Where each event leads from each status, for a job on attempt 1 of 3; absent means refused. */
  const legal: Record<JobStatus, Partial<Record<EventName, JobStatus>>> = {
    scheduled: { DUE: 'queued', CANCEL: 'cancelled' },
    queued: { START: 'running', CANCEL: 'cancelled' },
    running: {
      SUCCEED: 'succeeded',
      'FAIL(retryable)': 'retrying',
      'FAIL(fatal)': 'dead',
      STALL: 'retrying',
      CANCEL: 'cancelled',
    },
    retrying: { DUE: 'queued', CANCEL: 'cancelled' },
    succeeded: {},
    cancelled: { REPLAY: 'queued' },
    dead: { REPLAY: 'queued' },
  };

  const cases = jobStatuses.flatMap((from) =>
    eventNames.map((event) => ({ from, event, to: legal[from][event] })),
  );

  it('covers all 56 (status, event) pairs, 13 of them legal mid-way through the attempts', () => {
    expect(cases).toHaveLength(56);
    expect(cases.filter((c) => c.to !== undefined)).toHaveLength(13);
  });

  it.each(cases.filter((c) => c.to !== undefined))(
    'takes a $from job to $to on $event',
    ({ from, event, to }) => {
      expect(nextJobStatus(from, { attempt: 1, maxAttempts: 3 }, eventNamed(event))).toBe(to);
    },
  );

  it.each(cases.filter((c) => c.to === undefined))(
    'refuses $event for a $from job',
    ({ from, event }) => {
      expect(nextJobStatus(from, { attempt: 1, maxAttempts: 3 }, eventNamed(event))).toBe(
        undefined,
      );
    },
  );

  it('dead-letters a retryable failure on the last attempt', () => {
    const last = { attempt: 3, maxAttempts: 3 };
    expect(nextJobStatus('running', last, { type: 'FAIL', retryable: true })).toBe('dead');
  });

  it('dead-letters a stall on the last attempt', () => {
    expect(nextJobStatus('running', { attempt: 3, maxAttempts: 3 }, { type: 'STALL' })).toBe(
      'dead',
    );
  });

  it('retries a stall of a one-attempt job never', () => {
    expect(nextJobStatus('running', { attempt: 1, maxAttempts: 1 }, { type: 'STALL' })).toBe(
      'dead',
    );
  });

  it('refuses to cancel a succeeded job', () => {
    expect(nextJobStatus('succeeded', { attempt: 1, maxAttempts: 3 }, { type: 'CANCEL' })).toBe(
      undefined,
    );
  });
});

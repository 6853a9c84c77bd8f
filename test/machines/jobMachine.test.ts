import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  adjacencyMapToArray,
  getAdjacencyMap,
  getShortestPaths,
  getSimplePaths,
} from 'xstate/graph';
import {
  canRetry,
  defaultMaxStalls,
  jobMachine,
  jobStatuses,
  nextJobStatus,
  nextJobStep,
  stallCountsAttempt,
  terminalJobStatuses,
  type JobMachineContext,
  type JobMachineEvent,
  type JobMachineInput,
  type JobState,
} from '../../src/machines/jobMachine.js';
import { jobTransitions } from '../../src/machines/jobTransitions.js';

/** Every event the machine knows, `ENQUEUE`, `FAIL` and `TIMEOUT` in both of their flavours. */
const events: readonly JobMachineEvent[] = [
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

type EventName =
  | 'ENQUEUE'
  | 'ENQUEUE(scheduled)'
  | 'DUE'
  | 'CLAIM'
  | 'RELEASE'
  | 'START'
  | 'SUCCEED'
  | 'FAIL(retryable)'
  | 'FAIL(fatal)'
  | 'TIMEOUT(retryable)'
  | 'TIMEOUT(fatal)'
  | 'STALL'
  | 'RECOVER'
  | 'CANCEL'
  | 'REPLAY';

const eventNames: readonly EventName[] = [
  'ENQUEUE',
  'ENQUEUE(scheduled)',
  'DUE',
  'CLAIM',
  'RELEASE',
  'START',
  'SUCCEED',
  'FAIL(retryable)',
  'FAIL(fatal)',
  'TIMEOUT(retryable)',
  'TIMEOUT(fatal)',
  'STALL',
  'RECOVER',
  'CANCEL',
  'REPLAY',
];

function nameOf(event: {
  readonly type: string;
  readonly retryable?: boolean;
  readonly scheduled?: boolean;
}): string {
  if (event.type === 'ENQUEUE') return event.scheduled === true ? 'ENQUEUE(scheduled)' : 'ENQUEUE';
  if (event.type !== 'FAIL' && event.type !== 'TIMEOUT') return event.type;
  return `${event.type}(${event.retryable === true ? 'retryable' : 'fatal'})`;
}

function eventNamed(name: EventName): JobMachineEvent {
  const event = events.find((candidate) => nameOf(candidate) === name);
  if (event === undefined) throw new Error(`no event named ${name}`);
  return event;
}

/** The named events only. */
function only(...names: EventName[]): JobMachineEvent[] {
  return names.map(eventNamed);
}

interface PathLike {
  readonly state: { readonly value: unknown; readonly context: JobMachineContext };
  readonly steps: readonly { readonly event: { readonly type: string } }[];
}

/** A state as one word: the status, or `running.attempt` / `running.fallback`. */
function label(value: unknown): string {
  if (typeof value === 'string') return value;
  const [[parent, child]] = Object.entries(value as Record<string, string>) as [[string, string]];
  return `${parent}.${child}`;
}

/** The stored status of a state (`running` for both of its states). */
function statusOf(value: unknown): string {
  return label(value).split('.')[0] as string;
}

/** A path as one line: `state@attempt/stalls: EVENT EVENT …` (the leading `xstate.init` left out). */
function describePath(path: PathLike): string {
  const trail = path.steps
    .map((step) => step.event)
    .filter((event) => event.type !== 'xstate.init')
    .map(nameOf);
  const { attempt, stalls } = path.state.context;
  return `${label(path.state.value)}@${attempt}/${stalls}: ${trail.join(' ')}`.trimEnd();
}

/** The snapshot of a job in `value` (`running` means its attempt), its context filled with defaults. */
function snapshotIn(value: string, context: Partial<JobMachineContext> & { maxAttempts: number }) {
  return jobMachine.resolveState({
    value: value === 'running' ? { running: 'attempt' } : value,
    context: { attempt: 0, stalls: 0, maxStalls: defaultMaxStalls, hasFallback: false, ...context },
  });
}

const sorted = (lines: readonly string[]): string[] => [...lines].sort();

describe('jobMachine', () => {
  it('knows the eight stored statuses, in lifecycle order, and starts in `new`', () => {
    expect(jobStatuses).toEqual([
      'scheduled',
      'queued',
      'claimed',
      'running',
      'retrying',
      'succeeded',
      'cancelled',
      'dead',
    ]);
    const actor = createActor(jobMachine, { input: { maxAttempts: 1 } }).start();
    expect(actor.getSnapshot().value).toBe('new');
    expect(actor.getSnapshot().context).toEqual({
      attempt: 0,
      maxAttempts: 1,
      stalls: 0,
      maxStalls: 3,
      hasFallback: false,
    });
    actor.stop();
  });

  describe('shortest paths from a new job', () => {
    it('reaches every status but retrying when one attempt is allowed and no stall', () => {
      const paths = getShortestPaths(jobMachine, {
        events,
        input: { maxAttempts: 1, maxStalls: 0 },
      });
      expect(sorted(paths.map(describePath))).toEqual(
        sorted([
          'new@0/0:',
          'scheduled@0/0: ENQUEUE(scheduled)',
          'queued@0/0: ENQUEUE',
          'claimed@0/0: ENQUEUE CLAIM',
          'running.attempt@1/0: ENQUEUE CLAIM START',
          'succeeded@1/0: ENQUEUE CLAIM START SUCCEED',
          'dead@1/0: ENQUEUE CLAIM START FAIL(retryable)',
          'dead@1/1: ENQUEUE CLAIM RECOVER',
          'cancelled@0/0: ENQUEUE CANCEL',
          'cancelled@1/0: ENQUEUE CLAIM START CANCEL',
        ]),
      );
      expect(new Set(paths.map((path) => statusOf(path.state.value))).has('retrying')).toBe(false);
    });

    it('walks through three attempts, each claimed then started, before a retryable failure kills the job', () => {
      const paths = getShortestPaths(jobMachine, {
        events: only(
          'ENQUEUE',
          'DUE',
          'CLAIM',
          'START',
          'SUCCEED',
          'FAIL(retryable)',
          'FAIL(fatal)',
          'STALL',
          'CANCEL',
          'REPLAY',
        ),
        input: { maxAttempts: 3 },
      });
      const first = 'ENQUEUE CLAIM START';
      const second = `${first} FAIL(retryable) DUE CLAIM START`;
      const third = `${second} FAIL(retryable) DUE CLAIM START`;
      expect(sorted(paths.map(describePath))).toEqual(
        sorted([
          'new@0/0:',
          'queued@0/0: ENQUEUE',
          'claimed@0/0: ENQUEUE CLAIM',
          'cancelled@0/0: ENQUEUE CANCEL',
          `running.attempt@1/0: ${first}`,
          `succeeded@1/0: ${first} SUCCEED`,
          `cancelled@1/0: ${first} CANCEL`,
          `dead@1/0: ${first} FAIL(fatal)`,
          `retrying@1/0: ${first} FAIL(retryable)`,
          `queued@1/0: ${first} FAIL(retryable) DUE`,
          `claimed@1/0: ${first} FAIL(retryable) DUE CLAIM`,
          `running.attempt@2/0: ${second}`,
          `succeeded@2/0: ${second} SUCCEED`,
          `cancelled@2/0: ${second} CANCEL`,
          `dead@2/0: ${second} FAIL(fatal)`,
          `retrying@2/0: ${second} FAIL(retryable)`,
          `queued@2/0: ${second} FAIL(retryable) DUE`,
          `claimed@2/0: ${second} FAIL(retryable) DUE CLAIM`,
          `running.attempt@3/0: ${third}`,
          `succeeded@3/0: ${third} SUCCEED`,
          `cancelled@3/0: ${third} CANCEL`,
          `dead@3/0: ${third} FAIL(retryable)`,
        ]),
      );
    });

    it('enters scheduled only when the job is created with a future run time', () => {
      for (const input of [
        { maxAttempts: 1, maxStalls: 0 },
        { maxAttempts: 3, maxStalls: 1, hasFallback: true },
      ]) {
        const into = adjacencyMapToArray(getAdjacencyMap(jobMachine, { events, input }))
          // Refused events show as edges back to the same state: those are no entry.
          .filter(
            (edge) => edge.nextState.value === 'scheduled' && edge.state.value !== 'scheduled',
          )
          .map((edge) => `${label(edge.state.value)} ${nameOf(edge.event)}`);
        expect(new Set(into)).toEqual(new Set(['new ENQUEUE(scheduled)']));
      }
    });
  });

  describe('shortest paths from a scheduled job', () => {
    it('reaches every status, and the fallback, when three attempts and a fallback are allowed', () => {
      const paths = getShortestPaths(jobMachine, {
        events,
        input: { maxAttempts: 3, hasFallback: true },
        fromState: snapshotIn('scheduled', { maxAttempts: 3, hasFallback: true }),
      });
      expect(sorted([...new Set(paths.map((path) => label(path.state.value)))])).toEqual(
        sorted([
          'scheduled',
          'queued',
          'claimed',
          'running.attempt',
          'running.fallback',
          'retrying',
          'succeeded',
          'cancelled',
          'dead',
        ]),
      );
    });

    it('reaches every status but retrying when one attempt is allowed', () => {
      const paths = getShortestPaths(jobMachine, {
        events,
        input: { maxAttempts: 1, maxStalls: 0 },
        fromState: snapshotIn('scheduled', { maxAttempts: 1, maxStalls: 0 }),
      });
      expect(sorted(paths.map(describePath))).toEqual(
        sorted([
          'scheduled@0/0:',
          'queued@0/0: DUE',
          'claimed@0/0: DUE CLAIM',
          'running.attempt@1/0: DUE CLAIM START',
          'succeeded@1/0: DUE CLAIM START SUCCEED',
          'dead@1/0: DUE CLAIM START FAIL(retryable)',
          'dead@1/1: DUE CLAIM RECOVER',
          'cancelled@0/0: CANCEL',
          'cancelled@1/0: DUE CLAIM START CANCEL',
        ]),
      );
    });
  });

  describe('simple paths from a queued job', () => {
    it('lists every route of a one-attempt job that may not stall', () => {
      const paths = getSimplePaths(jobMachine, {
        events,
        input: { maxAttempts: 1, maxStalls: 0 },
        fromState: snapshotIn('queued', { maxAttempts: 1, maxStalls: 0 }),
      });
      expect(sorted(paths.map(describePath))).toEqual(
        sorted([
          'queued@0/0:',
          'claimed@0/0: CLAIM',
          'running.attempt@1/0: CLAIM START',
          'succeeded@1/0: CLAIM START SUCCEED',
          'dead@1/0: CLAIM START FAIL(retryable)',
          'dead@1/0: CLAIM START FAIL(fatal)',
          'dead@1/0: CLAIM START TIMEOUT(retryable)',
          'dead@1/0: CLAIM START TIMEOUT(fatal)',
          'dead@1/0: CLAIM START STALL',
          'dead@1/1: CLAIM RECOVER',
          'cancelled@0/0: CANCEL',
          'cancelled@0/0: CLAIM CANCEL',
          'cancelled@1/0: CLAIM START CANCEL',
        ]),
      );
    });

    it('dead-letters on the third attempt only after two retryable failures, timeouts or stalls', () => {
      const paths = getSimplePaths(jobMachine, {
        events: events.filter((event) => event.type !== 'RECOVER'),
        input: { maxAttempts: 3 },
        fromState: snapshotIn('queued', { maxAttempts: 3 }),
      });
      const deadOnThird = paths.map(describePath).filter((line) => line.startsWith('dead@3/'));
      const retry = ['FAIL(retryable)', 'TIMEOUT(retryable)', 'STALL'];
      const last = [
        'FAIL(fatal)',
        'FAIL(retryable)',
        'TIMEOUT(fatal)',
        'TIMEOUT(retryable)',
        'STALL',
      ];
      const expected = retry.flatMap((first) =>
        retry.flatMap((second) =>
          last.map(
            (third) =>
              `dead@3/0: CLAIM START ${first} DUE CLAIM START ${second} DUE CLAIM START ${third}`,
          ),
        ),
      );
      expect(sorted(deadOnThird)).toEqual(sorted(expected));
      expect(deadOnThird).toHaveLength(45);
    });

    it('only ever takes steps that the transition table allows', () => {
      for (const input of [
        { maxAttempts: 1, maxStalls: 0 },
        { maxAttempts: 2, maxStalls: 1 },
        { maxAttempts: 2, maxStalls: 1, hasFallback: true },
      ]) {
        const paths = getSimplePaths(jobMachine, {
          events,
          input,
          fromState: snapshotIn('queued', input),
        });
        expect(paths.length).toBeGreaterThan(10);
        for (const path of paths) {
          let from = 'queued';
          for (const step of path.steps.slice(1)) {
            const to = statusOf(step.state.value);
            if (to !== from) {
              expect(jobTransitions.targetsOn(from as JobState, step.event.type)).toContain(to);
            } else {
              // Within `running` only: from the attempt to its fallback.
              expect(`${from} ${step.event.type}`).toMatch(/^running (FAIL|TIMEOUT|STALL)$/);
            }
            from = to;
          }
        }
      }
    });
  });

  describe('the stall bound', () => {
    /** Recovers a new job from `claimed` at every restart until it is dead: the status after each recovery. */
    function recoverEveryRestart(input: JobMachineInput): {
      trail: string[];
      context: JobMachineContext;
    } {
      const actor = createActor(jobMachine, { input }).start();
      actor.send({ type: 'ENQUEUE', scheduled: false });
      const trail: string[] = [];
      while (actor.getSnapshot().value !== 'dead' && trail.length < 100) {
        if (actor.getSnapshot().value === 'retrying') actor.send({ type: 'DUE' });
        actor.send({ type: 'CLAIM' });
        expect(actor.getSnapshot().value).toBe('claimed');
        actor.send({ type: 'RECOVER' });
        trail.push(label(actor.getSnapshot().value));
      }
      const { context } = actor.getSnapshot();
      actor.stop();
      return { trail, context };
    }

    it.each([
      { maxStalls: 0, maxAttempts: 1, recoveries: 1, trail: 'dead' },
      { maxStalls: 0, maxAttempts: 3, recoveries: 3, trail: 'retrying retrying dead' },
      { maxStalls: 1, maxAttempts: 1, recoveries: 2, trail: 'queued dead' },
      { maxStalls: 3, maxAttempts: 1, recoveries: 4, trail: 'queued queued queued dead' },
      {
        maxStalls: 2,
        maxAttempts: 3,
        recoveries: 5,
        trail: 'queued queued retrying retrying dead',
      },
      {
        maxStalls: 3,
        maxAttempts: 3,
        recoveries: 6,
        trail: 'queued queued queued retrying retrying dead',
      },
      {
        maxStalls: 5,
        maxAttempts: 2,
        recoveries: 7,
        trail: 'queued queued queued queued queued retrying dead',
      },
      {
        maxStalls: 1,
        maxAttempts: 5,
        recoveries: 6,
        trail: 'queued retrying retrying retrying retrying dead',
      },
    ])(
      'ends dead after exactly $recoveries recoveries from claimed with maxStalls $maxStalls and maxAttempts $maxAttempts',
      ({ maxStalls, maxAttempts, recoveries, trail }) => {
        const result = recoverEveryRestart({ maxAttempts, maxStalls });
        expect(result.trail.join(' ')).toBe(trail);
        expect(result.trail).toHaveLength(recoveries);
        expect(recoveries).toBe(maxStalls + maxAttempts);
        expect(result.context).toMatchObject({ attempt: maxAttempts, stalls: recoveries });
      },
    );

    it('allows 3 recoveries by default, so a one-attempt job ends dead at the 4th', () => {
      expect(defaultMaxStalls).toBe(3);
      expect(recoverEveryRestart({ maxAttempts: 1 }).trail).toEqual([
        'queued',
        'queued',
        'queued',
        'dead',
      ]);
    });

    it('ends dead at the same recovery with a fallback: a job that never started runs no fallback', () => {
      expect(
        recoverEveryRestart({ maxAttempts: 2, maxStalls: 1, hasFallback: true }).trail,
      ).toEqual(['queued', 'retrying', 'dead']);
    });

    it('counts no attempt for a recovery within maxStalls, and keeps the attempts of earlier runs', () => {
      const actor = createActor(jobMachine, { input: { maxAttempts: 3, maxStalls: 1 } }).start();
      actor.send({ type: 'ENQUEUE', scheduled: false });
      actor.send({ type: 'CLAIM' });
      actor.send({ type: 'START' });
      actor.send({ type: 'FAIL', retryable: true });
      actor.send({ type: 'DUE' });
      actor.send({ type: 'CLAIM' });
      actor.send({ type: 'RECOVER' });
      expect(actor.getSnapshot().value).toBe('queued');
      expect(actor.getSnapshot().context).toMatchObject({ attempt: 1, stalls: 1 });
      actor.send({ type: 'CLAIM' });
      actor.send({ type: 'RECOVER' });
      expect(actor.getSnapshot().value).toBe('retrying');
      expect(actor.getSnapshot().context).toMatchObject({ attempt: 2, stalls: 2 });
      actor.send({ type: 'DUE' });
      actor.send({ type: 'CLAIM' });
      actor.send({ type: 'RECOVER' });
      expect(actor.getSnapshot().value).toBe('dead');
      expect(actor.getSnapshot().context).toMatchObject({ attempt: 3, stalls: 3 });
      actor.stop();
    });

    it('gives a replayed job its whole stall allowance again', () => {
      const actor = createActor(jobMachine, {
        input: { maxAttempts: 1, maxStalls: 1 },
        snapshot: snapshotIn('dead', { attempt: 1, maxAttempts: 1, stalls: 2, maxStalls: 1 }),
      }).start();
      actor.send({ type: 'REPLAY' });
      expect(actor.getSnapshot().value).toBe('queued');
      expect(actor.getSnapshot().context).toMatchObject({ attempt: 0, stalls: 0 });
      actor.send({ type: 'CLAIM' });
      actor.send({ type: 'RECOVER' });
      expect(actor.getSnapshot().value).toBe('queued');
      actor.stop();
    });
  });

  describe('the fallback, a state within running', () => {
    const last = { attempt: 1, maxAttempts: 1, hasFallback: true };

    it.each([
      'FAIL(retryable)',
      'FAIL(fatal)',
      'TIMEOUT(retryable)',
      'TIMEOUT(fatal)',
      'STALL',
    ] as const)('is entered when the last attempt ends with %s', (name) => {
      expect(nextJobStep('running', last, eventNamed(name))).toMatchObject({
        status: 'running',
        fallback: true,
        context: { attempt: 1 },
      });
    });

    it('is entered by a failure that may not be retried, with attempts left', () => {
      const early = { attempt: 1, maxAttempts: 3, hasFallback: true };
      expect(nextJobStep('running', early, { type: 'FAIL', retryable: false })).toMatchObject({
        status: 'running',
        fallback: true,
      });
      expect(nextJobStep('running', early, { type: 'FAIL', retryable: true })).toMatchObject({
        status: 'retrying',
        fallback: false,
      });
    });

    it.each([
      ['SUCCEED', 'succeeded'],
      ['FAIL(retryable)', 'dead'],
      ['FAIL(fatal)', 'dead'],
      ['TIMEOUT(retryable)', 'dead'],
      ['STALL', 'dead'],
      ['CANCEL', 'cancelled'],
    ] as const)('decides the job on %s: %s', (name, status) => {
      expect(nextJobStep('running', last, eventNamed(name), true)).toMatchObject({
        status,
        fallback: false,
      });
    });

    it('refuses what a running fallback cannot do', () => {
      for (const name of ['START', 'CLAIM', 'RELEASE', 'RECOVER', 'DUE', 'REPLAY'] as const) {
        expect(nextJobStep('running', last, eventNamed(name), true)).toBe(undefined);
      }
    });

    it('is never entered without a fallback', () => {
      expect(
        nextJobStep('running', { attempt: 1, maxAttempts: 1 }, { type: 'FAIL', retryable: true }),
      ).toMatchObject({ status: 'dead', fallback: false });
    });
  });

  describe('context', () => {
    it('counts an attempt on START, none on CLAIM or RELEASE', () => {
      const actor = createActor(jobMachine, { input: { maxAttempts: 3 } }).start();
      actor.send({ type: 'ENQUEUE', scheduled: false });
      actor.send({ type: 'CLAIM' });
      actor.send({ type: 'RELEASE' });
      actor.send({ type: 'CLAIM' });
      expect(actor.getSnapshot().value).toBe('claimed');
      expect(actor.getSnapshot().context).toMatchObject({ attempt: 0, stalls: 0 });
      actor.send({ type: 'START' });
      expect(actor.getSnapshot().value).toEqual({ running: 'attempt' });
      expect(actor.getSnapshot().context).toEqual({
        attempt: 1,
        maxAttempts: 3,
        stalls: 0,
        maxStalls: 3,
        hasFallback: false,
      });
      actor.stop();
    });

    it('resets the attempts and the stalls when a dead job is replayed', () => {
      const actor = createActor(jobMachine, {
        input: { maxAttempts: 3 },
        snapshot: snapshotIn('dead', { attempt: 3, maxAttempts: 3, stalls: 4 }),
      }).start();
      actor.send({ type: 'REPLAY' });
      expect(actor.getSnapshot().value).toBe('queued');
      expect(actor.getSnapshot().context).toEqual({
        attempt: 0,
        maxAttempts: 3,
        stalls: 0,
        maxStalls: 3,
        hasFallback: false,
      });
      actor.stop();
    });

    it('marks succeeded, and only succeeded, as a final state; tags the three terminal statuses', () => {
      const finals = jobStatuses.filter(
        (status) =>
          snapshotIn(status, {
            attempt: 1,
            maxAttempts: 1,
          }).status === 'done',
      );
      expect(finals).toEqual(['succeeded']);
      expect([...terminalJobStatuses]).toEqual(['succeeded', 'cancelled', 'dead']);
    });
  });
});

describe('canRetry', () => {
  const base = { stalls: 0, maxStalls: 3, hasFallback: false };
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
      expect(canRetry({ ...base, attempt, maxAttempts }, retryable)).toBe(expected);
    },
  );
});

describe('stallCountsAttempt', () => {
  const base = { attempt: 0, maxAttempts: 3, hasFallback: false };
  it.each([
    { stalls: 0, maxStalls: 0, expected: true },
    { stalls: 0, maxStalls: 1, expected: false },
    { stalls: 1, maxStalls: 1, expected: true },
    { stalls: 2, maxStalls: 3, expected: false },
    { stalls: 3, maxStalls: 3, expected: true },
    { stalls: 7, maxStalls: 3, expected: true },
  ])(
    'answers $expected for the recovery after $stalls of $maxStalls allowed',
    ({ stalls, maxStalls, expected }) => {
      expect(stallCountsAttempt({ ...base, stalls, maxStalls })).toBe(expected);
    },
  );
});

describe('nextJobStep', () => {
  const states: readonly JobState[] = ['new', ...jobStatuses];

  /** Where each event leads from each state, for a job on attempt 1 of 3 with no stall yet; absent means refused. */
  const legal: Record<JobState, Partial<Record<EventName, JobState>>> = {
    new: { ENQUEUE: 'queued', 'ENQUEUE(scheduled)': 'scheduled' },
    scheduled: { DUE: 'queued', CANCEL: 'cancelled' },
    queued: { CLAIM: 'claimed', CANCEL: 'cancelled' },
    claimed: { START: 'running', RELEASE: 'queued', RECOVER: 'queued', CANCEL: 'cancelled' },
    running: {
      SUCCEED: 'succeeded',
      'FAIL(retryable)': 'retrying',
      'FAIL(fatal)': 'dead',
      'TIMEOUT(retryable)': 'retrying',
      'TIMEOUT(fatal)': 'dead',
      STALL: 'retrying',
      CANCEL: 'cancelled',
    },
    retrying: { DUE: 'queued', CANCEL: 'cancelled' },
    succeeded: {},
    cancelled: { REPLAY: 'queued' },
    dead: { REPLAY: 'queued' },
  };

  const cases = states.flatMap((from) =>
    eventNames.map((event) => ({ from, event, to: legal[from][event] })),
  );
  const midway = { attempt: 1, maxAttempts: 3 };

  it('covers all 135 (state, event) pairs, 21 of them legal mid-way through the attempts', () => {
    expect(cases).toHaveLength(135);
    expect(cases.filter((c) => c.to !== undefined)).toHaveLength(21);
  });

  it.each(cases.filter((c) => c.to !== undefined))(
    'takes a $from job to $to on $event',
    ({ from, event, to }) => {
      expect(nextJobStep(from, midway, eventNamed(event))?.status).toBe(to);
    },
  );

  it.each(cases.filter((c) => c.to === undefined))(
    'refuses $event for a $from job',
    ({ from, event }) => {
      expect(nextJobStep(from, midway, eventNamed(event))).toBe(undefined);
    },
  );

  it('counts the attempt on START and the stall on RECOVER', () => {
    expect(nextJobStep('claimed', midway, { type: 'START' })?.context).toMatchObject({
      attempt: 2,
      stalls: 0,
    });
    expect(nextJobStep('claimed', midway, { type: 'RECOVER' })?.context).toMatchObject({
      attempt: 1,
      stalls: 1,
    });
  });

  it('dead-letters a retryable failure, a timeout and a stall on the last attempt', () => {
    const lastAttempt = { attempt: 3, maxAttempts: 3 };
    expect(nextJobStatus('running', lastAttempt, { type: 'FAIL', retryable: true })).toBe('dead');
    expect(nextJobStatus('running', lastAttempt, { type: 'TIMEOUT', retryable: true })).toBe(
      'dead',
    );
    expect(nextJobStatus('running', lastAttempt, { type: 'STALL' })).toBe('dead');
  });

  it('retries a stall of a one-attempt job never', () => {
    expect(nextJobStatus('running', { attempt: 1, maxAttempts: 1 }, { type: 'STALL' })).toBe(
      'dead',
    );
  });

  it('treats a recovery past maxStalls as a stalled attempt: retried while attempts are left, else dead', () => {
    const past = { stalls: 3, maxStalls: 3 };
    expect(
      nextJobStep('claimed', { ...past, attempt: 0, maxAttempts: 2 }, { type: 'RECOVER' }),
    ).toEqual({
      status: 'retrying',
      fallback: false,
      context: { attempt: 1, maxAttempts: 2, stalls: 4, maxStalls: 3, hasFallback: false },
    });
    expect(
      nextJobStep('claimed', { ...past, attempt: 1, maxAttempts: 2 }, { type: 'RECOVER' }),
    ).toEqual({
      status: 'dead',
      fallback: false,
      context: { attempt: 2, maxAttempts: 2, stalls: 4, maxStalls: 3, hasFallback: false },
    });
  });

  it('refuses to cancel a succeeded job', () => {
    expect(nextJobStatus('succeeded', midway, { type: 'CANCEL' })).toBe(undefined);
  });
});

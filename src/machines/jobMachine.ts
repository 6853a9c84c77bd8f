import { and, assign, createActor, setup, type SnapshotFrom } from 'xstate';

/** Every status a job can be in, as stored. */
export type JobStatus =
  'scheduled' | 'queued' | 'claimed' | 'running' | 'retrying' | 'succeeded' | 'cancelled' | 'dead';

/** The events that move a job between statuses. */
export type JobMachineEvent =
  /** The job is created: `scheduled` when it has a run time in the future, else `queued`. */
  | { readonly type: 'ENQUEUE'; readonly scheduled: boolean }
  /** A scheduled or retrying job's run time has come. */
  | { readonly type: 'DUE' }
  /** A group commit claimed the queued job for this process, ahead of a free slot. */
  | { readonly type: 'CLAIM' }
  /** A claimed job is given back unstarted (a stop, or its breaker refused it). */
  | { readonly type: 'RELEASE' }
  /** A slot took the claimed job: this begins an attempt. */
  | { readonly type: 'START' }
  /** The attempt (or the fallback) finished. */
  | { readonly type: 'SUCCEED' }
  /** The attempt (or the fallback) failed; `retryable` is false for `UnrecoverableError` or a `retryable()` veto. */
  | { readonly type: 'FAIL'; readonly retryable: boolean }
  /** The attempt ran past its `timeoutMs`; `retryable` as for `FAIL`. */
  | { readonly type: 'TIMEOUT'; readonly retryable: boolean }
  /** The job was found `running` after its process died: the attempt counts. */
  | { readonly type: 'STALL' }
  /** The job was found `claimed` after its process died: it never started. */
  | { readonly type: 'RECOVER' }
  /** A user cancelled the job. */
  | { readonly type: 'CANCEL' }
  /** A user replays a dead or cancelled job. */
  | { readonly type: 'REPLAY' };

/** What the machine knows of a job: just enough to decide every outcome. */
export interface JobMachineContext {
  /** Attempts started so far (1 while the first attempt runs). */
  readonly attempt: number;
  /** Attempts allowed in all. */
  readonly maxAttempts: number;
  /** Times in a row the job was recovered from `claimed` after a crash (a start clears it). */
  readonly stalls: number;
  /** Recoveries from `claimed` allowed before one counts as a stalled attempt. */
  readonly maxStalls: number;
  /** True when the job's type has a fallback to run after its last attempt fails. */
  readonly hasFallback: boolean;
}

/** Input for a job actor. */
export type JobMachineInput = Partial<JobMachineContext> & { readonly maxAttempts: number };

/** Recoveries from `claimed` allowed before one counts as a stalled attempt, unless configured. */
export const defaultMaxStalls = 3;

/** True when a failed attempt leaves room for another one. */
export function canRetry(context: JobMachineContext, retryable: boolean): boolean {
  return retryable && context.attempt < context.maxAttempts;
}

/** True when a recovery from `claimed` goes past `maxStalls` and counts as a stalled attempt. */
export function stallCountsAttempt(context: JobMachineContext): boolean {
  return context.stalls + 1 > context.maxStalls;
}

const retryableOf = (event: JobMachineEvent): boolean =>
  event.type === 'FAIL' || event.type === 'TIMEOUT' ? event.retryable : event.type !== 'CANCEL';

/**
 * The job lifecycle. This machine is the single definition of which status changes are legal
 * and of every outcome: the runner sends it raw events and writes the state it reaches; the
 * store's transition table is derived from it (see `jobTransitions`). The fallback is a state
 * within `running`: the stored status stays `running` while it runs.
 */
export const jobMachine = setup({
  types: {
    context: {} as JobMachineContext,
    events: {} as JobMachineEvent,
    input: {} as JobMachineInput,
  },
  actions: {
    countAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    countStall: assign({ stalls: ({ context }) => context.stalls + 1 }),
    clearStalls: assign({ stalls: 0 }),
    resetAttempts: assign({ attempt: 0, stalls: 0 }),
  },
  guards: {
    scheduled: ({ event }) => event.type === 'ENQUEUE' && event.scheduled,
    canRetry: ({ context, event }) => canRetry(context, retryableOf(event)),
    hasFallback: ({ context }) => context.hasFallback,
    stallCountsAttempt: ({ context }) => stallCountsAttempt(context),
    canRetryStall: ({ context }) => context.attempt + 1 < context.maxAttempts,
  },
}).createMachine({
  id: 'job',
  initial: 'new',
  context: ({ input }) => jobContext(input),
  states: {
    /** Not stored yet. */
    new: {
      on: { ENQUEUE: [{ guard: 'scheduled', target: 'scheduled' }, { target: 'queued' }] },
    },
    scheduled: {
      on: { DUE: 'queued', CANCEL: 'cancelled' },
    },
    queued: {
      on: { CLAIM: 'claimed', CANCEL: 'cancelled' },
    },
    claimed: {
      on: {
        // A start that commits ends a run of recoveries: stalls count those in a row.
        START: { target: 'running', actions: ['countAttempt', 'clearStalls'] },
        RELEASE: 'queued',
        RECOVER: [
          {
            guard: and(['stallCountsAttempt', 'canRetryStall']),
            target: 'retrying',
            actions: ['countStall', 'countAttempt'],
          },
          { guard: 'stallCountsAttempt', target: 'dead', actions: ['countStall', 'countAttempt'] },
          { target: 'queued', actions: 'countStall' },
        ],
        CANCEL: 'cancelled',
      },
    },
    running: {
      initial: 'attempt',
      on: { CANCEL: 'cancelled' },
      states: {
        attempt: {
          on: {
            SUCCEED: '#job.succeeded',
            FAIL: [
              { guard: 'canRetry', target: '#job.retrying' },
              { guard: 'hasFallback', target: 'fallback' },
              { target: '#job.dead' },
            ],
            TIMEOUT: [
              { guard: 'canRetry', target: '#job.retrying' },
              { guard: 'hasFallback', target: 'fallback' },
              { target: '#job.dead' },
            ],
            STALL: [
              { guard: 'canRetry', target: '#job.retrying' },
              { guard: 'hasFallback', target: 'fallback' },
              { target: '#job.dead' },
            ],
          },
        },
        /** The last attempt failed; the fallback's outcome is the job's. */
        fallback: {
          on: {
            SUCCEED: '#job.succeeded',
            FAIL: '#job.dead',
            TIMEOUT: '#job.dead',
            STALL: '#job.dead',
          },
        },
      },
    },
    retrying: {
      on: { DUE: 'queued', CANCEL: 'cancelled' },
    },
    succeeded: { type: 'final', tags: 'terminal' },
    cancelled: {
      tags: 'terminal',
      on: { REPLAY: { target: 'queued', actions: 'resetAttempts' } },
    },
    dead: {
      tags: 'terminal',
      on: { REPLAY: { target: 'queued', actions: 'resetAttempts' } },
    },
  },
});

/** A job actor's snapshot. */
export type JobSnapshot = SnapshotFrom<typeof jobMachine>;

/** Where a job machine state sits: the stored status, or `new` before the job is stored. */
export type JobState = JobStatus | 'new';

/** The stored status of a snapshot's state (`running` for both the attempt and the fallback). */
export function statusOf(value: JobSnapshot['value']): JobState {
  return typeof value === 'string' ? value : (Object.keys(value)[0] as JobState);
}

/** True when the snapshot is in the fallback of a failed last attempt. */
export function inFallback(value: JobSnapshot['value']): boolean {
  return typeof value === 'object' && value.running === 'fallback';
}

/** All job statuses, in lifecycle order, read from the machine. */
export const jobStatuses: readonly JobStatus[] = Object.keys(jobMachine.root.states).filter(
  (key): key is JobStatus => key !== 'new',
);

/** Statuses a job never leaves on its own, tagged `terminal` in the machine: `waitForJob` settles on them. */
export const terminalJobStatuses: ReadonlySet<JobStatus> = new Set(
  jobStatuses.filter((status) => jobMachine.root.states[status]?.tags.includes('terminal')),
);

/** The snapshot of a stored job in `status`, with the given context. */
export function jobSnapshot(
  status: JobStatus,
  context: JobMachineContext,
  inFallbackState = false,
): JobSnapshot {
  const value =
    status === 'running' ? { running: inFallbackState ? 'fallback' : 'attempt' } : status;
  return jobMachine.resolveState({ value, context });
}

/** Fills a context's optional fields with their defaults. */
export function jobContext(input: JobMachineInput): JobMachineContext {
  return {
    attempt: input.attempt ?? 0,
    maxAttempts: input.maxAttempts,
    stalls: input.stalls ?? 0,
    maxStalls: input.maxStalls ?? defaultMaxStalls,
    hasFallback: input.hasFallback ?? false,
  };
}

/** Where `event` took a job, and its context after. */
export interface JobStep {
  readonly status: JobState;
  readonly fallback: boolean;
  readonly context: JobMachineContext;
}

/**
 * Where `event` takes a job that is in `from` with the given context, or undefined when the
 * machine does not accept the event there. Used off the hot path (recovery, API commands).
 */
export function nextJobStep(
  from: JobState,
  context: JobMachineInput,
  event: JobMachineEvent,
  inFallbackState = false,
): JobStep | undefined {
  const full = jobContext(context);
  const snapshot = from === 'new' ? undefined : jobSnapshot(from, full, inFallbackState);
  const actor = createActor(jobMachine, {
    input: full,
    ...(snapshot === undefined ? {} : { snapshot }),
  });
  actor.start();
  try {
    const before = actor.getSnapshot();
    if (!before.can(event)) return undefined;
    actor.send(event);
    const after = actor.getSnapshot();
    return {
      status: statusOf(after.value),
      fallback: inFallback(after.value),
      context: after.context,
    };
  } finally {
    actor.stop();
  }
}

/** Where `event` takes a job in `from`: the stored status it reaches, or undefined when refused. */
export function nextJobStatus(
  from: JobStatus,
  context: JobMachineInput,
  event: JobMachineEvent,
): JobState | undefined {
  return nextJobStep(from, context, event)?.status;
}

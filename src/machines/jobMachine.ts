import { assign, createActor, setup } from 'xstate';

/** Every status a job can be in. */
export type JobStatus =
  'scheduled' | 'queued' | 'running' | 'retrying' | 'succeeded' | 'cancelled' | 'dead';

/** All job statuses, in lifecycle order. */
export const jobStatuses: readonly JobStatus[] = [
  'scheduled',
  'queued',
  'running',
  'retrying',
  'succeeded',
  'cancelled',
  'dead',
];

/** Statuses a job never leaves on its own: `waitForJob` settles on them. */
export const terminalJobStatuses: ReadonlySet<JobStatus> = new Set([
  'succeeded',
  'cancelled',
  'dead',
]);

/** The events that move a job between statuses. */
export type JobMachineEvent =
  /** A scheduled or retrying job's run time has come. */
  | { readonly type: 'DUE' }
  /** A worker claimed the queued job; this begins an attempt. */
  | { readonly type: 'START' }
  /** The attempt (or the fallback) finished. */
  | { readonly type: 'SUCCEED' }
  /** The attempt failed; `retryable` is false for `UnrecoverableError` or a `retryable()` veto. */
  | { readonly type: 'FAIL'; readonly retryable: boolean }
  /** The job was found running after its process died. */
  | { readonly type: 'STALL' }
  /** A user cancelled the job. */
  | { readonly type: 'CANCEL' }
  /** A user replays a dead or cancelled job. */
  | { readonly type: 'REPLAY' };

/** What the machine knows of a job: just enough to decide between retrying and dead. */
export interface JobMachineContext {
  /** Attempts started so far (1 while the first attempt runs). */
  readonly attempt: number;
  /** Attempts allowed in all. */
  readonly maxAttempts: number;
}

/** Input for a fresh job actor. */
export interface JobMachineInput {
  readonly maxAttempts: number;
}

/** True when a failed attempt leaves room for another one. */
export function canRetry(context: JobMachineContext, retryable: boolean): boolean {
  return retryable && context.attempt < context.maxAttempts;
}

/**
 * The job lifecycle. This machine is the single definition of which status changes are legal:
 * the store's transition table is derived from it (see `jobTransitions`).
 */
export const jobMachine = setup({
  types: {
    context: {} as JobMachineContext,
    events: {} as JobMachineEvent,
    input: {} as JobMachineInput,
  },
  actions: {
    resetAttempts: assign({ attempt: 0 }),
  },
  guards: {
    canRetry: ({ context, event }) =>
      canRetry(context, event.type === 'FAIL' ? event.retryable : event.type === 'STALL'),
  },
}).createMachine({
  id: 'job',
  initial: 'queued',
  context: ({ input }) => ({ attempt: 0, maxAttempts: input.maxAttempts }),
  states: {
    scheduled: {
      on: { DUE: 'queued', CANCEL: 'cancelled' },
    },
    queued: {
      on: {
        START: {
          target: 'running',
          actions: assign({ attempt: ({ context }) => context.attempt + 1 }),
        },
        CANCEL: 'cancelled',
      },
    },
    running: {
      on: {
        SUCCEED: 'succeeded',
        FAIL: [{ guard: 'canRetry', target: 'retrying' }, { target: 'dead' }],
        STALL: [{ guard: 'canRetry', target: 'retrying' }, { target: 'dead' }],
        CANCEL: 'cancelled',
      },
    },
    retrying: {
      on: { DUE: 'queued', CANCEL: 'cancelled' },
    },
    succeeded: { type: 'final' },
    cancelled: {
      on: { REPLAY: { target: 'queued', actions: 'resetAttempts' } },
    },
    dead: {
      on: { REPLAY: { target: 'queued', actions: 'resetAttempts' } },
    },
  },
});

/**
 * Where `event` takes a job that is `from` with the given context, or undefined when the machine
 * does not accept the event there. Used off the hot path (recovery, API commands).
 */
export function nextJobStatus(
  from: JobStatus,
  context: JobMachineContext,
  event: JobMachineEvent,
): JobStatus | undefined {
  const actor = createActor(jobMachine, {
    input: { maxAttempts: context.maxAttempts },
    snapshot: jobMachine.resolveState({ value: from, context }),
  });
  actor.start();
  const before = actor.getSnapshot();
  if (!before.can(event)) {
    actor.stop();
    return undefined;
  }
  actor.send(event);
  const to = actor.getSnapshot().value;
  actor.stop();
  return to;
}

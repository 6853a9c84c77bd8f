import { assign, setup } from 'xstate';

/** Every state a circuit breaker can be in. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** Every breaker state, in chart order. */
export const breakerStates: readonly BreakerState[] = ['closed', 'open', 'half-open', 'isolated'];

/** What the machine remembers between states. */
export interface BreakerMachineContext {
  /** The persisted state the breaker resumed in. */
  readonly resume: BreakerState;
  /** Opens since the breaker last closed: the backoff step of the open duration. */
  readonly opens: number;
  /** How long the current (or next) open period lasts, in ms. */
  readonly openMs: number;
  /** How long the open period after a failed trial lasts, in ms. */
  readonly reopenMs: number;
  /** How long a half-open trial may take to decide before the breaker opens again, in ms. */
  readonly maxWaitMs: number;
  /** True once a trial call began in the current half-open period. */
  readonly trialStarted: boolean;
}

/** Where a breaker resumes: its persisted state, with the open time that is left. */
export interface BreakerMachineInput {
  readonly state: BreakerState;
  readonly opens: number;
  /** For `open`: what is left of the open period (0 or less: half-open at once). */
  readonly openMs: number;
  readonly reopenMs: number;
  readonly maxWaitMs: number;
}

/** The events that move a breaker; the breaker sends one only when its state must change. */
export type BreakerMachineEvent =
  /** The closed breaker's window crossed a trip rule. */
  | { readonly type: 'TRIP'; readonly openMs: number; readonly reopenMs: number }
  /** Enough half-open trial calls succeeded. */
  | { readonly type: 'TRIAL_PASSED' }
  /** A half-open trial call failed. */
  | { readonly type: 'TRIAL_FAILED'; readonly openMs: number; readonly reopenMs: number }
  /**
   * The first half-open trial call began: from now on it must decide within `maxWaitMs`, or the
   * breaker opens again for `openMs` (the next step of its backoff, `reopenMs` the one after).
   */
  | { readonly type: 'TRIAL_STARTED'; readonly openMs: number; readonly reopenMs: number }
  /** Every trial call ended without a verdict (their callers gave up): nothing is waited for. */
  | { readonly type: 'TRIALS_IDLE' }
  /** Held open by hand until reset. */
  | { readonly type: 'ISOLATE' }
  /** Closed by hand, with its window and open count cleared. */
  | { readonly type: 'RESET' };

const opened = assign<
  BreakerMachineContext,
  BreakerMachineEvent,
  undefined,
  BreakerMachineEvent,
  never
>(({ context, event }) =>
  event.type === 'TRIP' || event.type === 'TRIAL_FAILED'
    ? { opens: context.opens + 1, openMs: event.openMs, reopenMs: event.reopenMs }
    : {},
);

/**
 * A circuit breaker: `closed` → `open` → (after the open period) `half-open` → `closed`, or back
 * to `open` when a trial fails or, once begun, does not decide within `maxWaitMs`; `isolated` is held open by
 * hand. `restoring` is a transient start state that resumes the persisted one.
 */
export const circuitBreakerMachine = setup({
  types: {
    context: {} as BreakerMachineContext,
    events: {} as BreakerMachineEvent,
    input: {} as BreakerMachineInput,
  },
  delays: {
    openPeriod: ({ context }) => Math.max(0, context.openMs),
    trialWait: ({ context }) => context.maxWaitMs,
  },
  guards: {
    resumes: ({ context }, params: { state: BreakerState }) => context.resume === params.state,
  },
  actions: { opened },
}).createMachine({
  id: 'breaker',
  context: ({ input }) => ({
    resume: input.state,
    opens: input.opens,
    openMs: input.openMs,
    reopenMs: input.reopenMs,
    maxWaitMs: input.maxWaitMs,
    trialStarted: false,
  }),
  initial: 'restoring',
  states: {
    restoring: {
      always: [
        { guard: { type: 'resumes', params: { state: 'open' } }, target: 'open' },
        { guard: { type: 'resumes', params: { state: 'half-open' } }, target: 'half-open' },
        { guard: { type: 'resumes', params: { state: 'isolated' } }, target: 'isolated' },
        { target: 'closed' },
      ],
    },
    closed: {
      on: {
        TRIP: { target: 'open', actions: 'opened' },
        ISOLATE: 'isolated',
      },
    },
    open: {
      after: { openPeriod: { target: 'half-open', actions: assign({ trialStarted: false }) } },
      on: { ISOLATE: 'isolated', RESET: { target: 'closed', actions: assign({ opens: 0 }) } },
    },
    'half-open': {
      after: {
        trialWait: {
          // Without a trial under way there is nothing to wait for: a quiet service stays half-open.
          guard: ({ context }) => context.trialStarted,
          target: 'open',
          actions: assign(({ context }) => ({ opens: context.opens + 1 })),
        },
      },
      on: {
        // Re-entering restarts the trial's wait from the moment it began.
        TRIAL_STARTED: {
          target: 'half-open',
          reenter: true,
          actions: assign(({ event }) => ({
            trialStarted: true,
            openMs: event.openMs,
            reopenMs: event.reopenMs,
          })),
        },
        TRIALS_IDLE: {
          target: 'half-open',
          reenter: true,
          actions: assign({ trialStarted: false }),
        },
        TRIAL_PASSED: { target: 'closed', actions: assign({ opens: 0 }) },
        TRIAL_FAILED: { target: 'open', actions: 'opened' },
        ISOLATE: 'isolated',
        RESET: { target: 'closed', actions: assign({ opens: 0 }) },
      },
    },
    isolated: {
      on: { RESET: { target: 'closed', actions: assign({ opens: 0 }) } },
    },
  },
});

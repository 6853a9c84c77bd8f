import type { Clock } from '../clock.js';
import { CircuitOpenError } from '../errors.js';
import type {
  BreakerMachineContext,
  BreakerMachineEvent,
  BreakerState,
} from '../machines/circuitBreakerMachine.js';
import {
  emptyWindow,
  recordOutcome,
  tripCause,
  windowTotals,
  type WindowState,
} from '../policies/breakerWindow.js';
import { backoffDelay } from '../policies/backoff.js';
import type { BreakerRuntime } from './breaker.js';
import {
  closedCall,
  refused,
  trialCall,
  type Admission,
  type AttemptHost,
} from './breakerAttempt.js';
import { briefError } from './breakerChange.js';
import type { ResolvedBreakerOptions } from './breakerOptions.js';

/** What a tally asks of its breaker: to tell its machine actor, and the jobs waiting on it. */
export interface TallyActions {
  /** Sends the machine an event that changes no state by itself. */
  send(event: BreakerMachineEvent): void;
  /** Sends the machine an event that changes the state, with why. */
  change(event: BreakerMachineEvent, cause: unknown): void;
  /** A trial permit is free again: a waiting job may take it. */
  reopened(): void;
}

/** The totals behind a breaker's stats, all but its state and last change. */
export interface BreakerCounts {
  calls: number;
  successes: number;
  failures: number;
  slow: number;
  timeouts: number;
  rejected: number;
  aborted: number;
  fallbacks: number;
  opened: number;
}

/**
 * What a breaker counts in its current state: the closed window, the half-open trial and the
 * totals of its stats. It admits or refuses each call, judges each outcome, and asks its breaker
 * to send the machine an event only when the state must change.
 */
export class BreakerTally implements AttemptHost {
  private status: BreakerState = 'closed';
  /** Bumped by every state change (and a reset): outcomes of calls begun before it are not counted. */
  private generationValue = 0;
  private window: WindowState;
  private trialsLeft = 0;
  private trialsInFlight = 0;
  private trialSuccesses = 0;
  private trialBegun = false;
  private openUntilValue: number | null = null;
  /** Opens since the breaker last closed, as its machine counts them. */
  private openCount = 0;
  /** The totals of the breaker's stats; its breaker counts calls, fallbacks and opens too. */
  readonly counts: BreakerCounts = {
    calls: 0,
    successes: 0,
    failures: 0,
    slow: 0,
    timeouts: 0,
    rejected: 0,
    aborted: 0,
    fallbacks: 0,
    opened: 0,
  };
  /** True when the window needs the time of each call (slow calls, or a time window). */
  readonly timed: boolean;

  constructor(
    readonly name: string,
    private readonly options: ResolvedBreakerOptions,
    private readonly runtime: BreakerRuntime,
    private readonly actions: TallyActions,
  ) {
    this.window = emptyWindow(options.window);
    this.timed = options.slowCallMs !== null || options.window.type === 'time';
  }

  get state(): BreakerState {
    return this.status;
  }

  get generation(): number {
    return this.generationValue;
  }

  /** When an open breaker may half-open; null in any other state. */
  get openUntil(): number | null {
    return this.openUntilValue;
  }

  get clock(): Clock {
    return this.runtime.clock;
  }

  /** How many calls may start now: Infinity while closed, the trial permits left when half-open. */
  available(): number {
    if (this.status === 'closed') return Number.POSITIVE_INFINITY;
    return this.status === 'half-open' ? this.trialsLeft : 0;
  }

  count(what: 'calls' | 'timeouts'): void {
    this.counts[what]++;
  }

  /** The breaker entered `state` (its machine's `context` at `at`): counting starts afresh. */
  enter(state: BreakerState, context: BreakerMachineContext, at: number): void {
    this.status = state;
    this.openCount = context.opens;
    this.generationValue++;
    this.openUntilValue = state === 'open' ? at + Math.max(0, context.openMs) : null;
    if (state === 'closed') this.window = emptyWindow(this.options.window);
    if (state === 'half-open') {
      this.trialsLeft = this.options.halfOpen.calls;
      this.trialsInFlight = 0;
      this.trialSuccesses = 0;
      this.trialBegun = false;
    }
  }

  /** A new window while closed: calls begun before it no longer count. */
  forgetWindow(): void {
    this.window = emptyWindow(this.options.window);
    this.generationValue++;
  }

  admit(): Admission {
    if (this.status === 'closed') return closedCall;
    if (this.status === 'half-open' && this.trialsLeft > 0) {
      this.trialsLeft--;
      this.trialsInFlight++;
      if (!this.trialBegun) {
        // The trial's wait (halfOpen.maxWaitMs) runs from its first call; should it expire, the
        // breaker opens for the next step of its backoff.
        this.trialBegun = true;
        this.actions.send({ type: 'TRIAL_STARTED', ...this.nextOpenPeriods() });
      }
      return trialCall;
    }
    this.counts.rejected++;
    return refused;
  }

  refusal(): CircuitOpenError {
    const now = this.runtime.clock.now();
    if (this.status === 'half-open') {
      const { maxWaitMs } = this.options.halfOpen;
      return new CircuitOpenError(
        this.name,
        'half-open',
        Math.min(this.options.timeoutMs ?? maxWaitMs, maxWaitMs),
      );
    }
    if (this.status === 'isolated') {
      return new CircuitOpenError(this.name, 'isolated', Number.POSITIVE_INFINITY);
    }
    return new CircuitOpenError(this.name, 'open', Math.max(0, (this.openUntilValue ?? now) - now));
  }

  release(kind: Admission, generation: number): void {
    this.counts.aborted++;
    if (kind !== trialCall || generation !== this.generationValue) return;
    this.trialsLeft++;
    this.trialsInFlight--;
    if (this.trialsInFlight === 0 && this.trialBegun) {
      // No trial is under way any more: nothing to wait for until the next one begins.
      this.trialBegun = false;
      this.actions.send({ type: 'TRIALS_IDLE' });
    }
    this.actions.reopened(); // a trial permit is free again: a waiting job may take it
  }

  private isFailure(error: Error, timedOut: boolean): boolean {
    const predicate = this.options.isFailure;
    if (predicate === null || timedOut) return true;
    try {
      const verdict: unknown = predicate(error);
      return verdict !== false;
    } catch (thrown) {
      this.runtime.logger.error(
        { err: thrown, breaker: this.name },
        'isFailure() threw; the error counts as a failure',
      );
      return true;
    }
  }

  settle(
    kind: Admission,
    generation: number,
    started: number,
    error: Error | undefined,
    timedOut = false,
  ): boolean {
    const failed = error !== undefined && this.isFailure(error, timedOut);
    const now = this.timed || kind === trialCall ? this.runtime.clock.now() : 0;
    const slowCallMs = this.options.slowCallMs;
    const slow = slowCallMs !== null && now - started > slowCallMs;
    if (failed) this.counts.failures++;
    else this.counts.successes++;
    if (slow) this.counts.slow++;
    if (generation !== this.generationValue) return failed; // it began in an earlier state
    if (kind === trialCall) {
      this.trialsInFlight--;
      this.judgeTrial(failed, slow, error);
      return failed;
    }
    if (this.status !== 'closed') return failed;
    const window = recordOutcome(this.window, this.options.window, failed, slow, now);
    const { rules } = this.options;
    // A success can only trip the breaker by bringing the window up to its minimum of calls.
    if (!failed && !slow && window.type === 'count' && window.calls > rules.minimumCalls) {
      return failed;
    }
    const trip = tripCause(windowTotals(window, this.options.window, now), rules);
    if (trip !== undefined) {
      this.open(
        { type: 'TRIP' },
        { reason: 'tripped', ...trip, ...(failed ? { error: briefError(error) } : {}) },
      );
    }
    return failed;
  }

  private judgeTrial(failed: boolean, slow: boolean, error: Error | undefined): void {
    if (failed || slow) {
      this.open(
        { type: 'TRIAL_FAILED' },
        {
          reason: failed ? 'trial failed' : 'trial call was slow',
          ...(failed ? { error: briefError(error) } : {}),
        },
      );
      return;
    }
    this.trialSuccesses++;
    if (this.trialSuccesses >= this.options.halfOpen.successes) {
      this.actions.change(
        { type: 'TRIAL_PASSED' },
        { reason: 'trial passed', successes: this.trialSuccesses },
      );
    }
  }

  /** The next open period and the one after it, by the open backoff. */
  private nextOpenPeriods(): { openMs: number; reopenMs: number } {
    const opens = this.openCount + 1;
    const { openMs } = this.options;
    return {
      openMs: backoffDelay(openMs, opens, this.runtime.random()),
      reopenMs: backoffDelay(openMs, opens + 1, this.runtime.random()),
    };
  }

  /** Opens for the next step of the open backoff. */
  private open(event: { type: 'TRIP' | 'TRIAL_FAILED' }, cause: unknown): void {
    this.actions.change({ type: event.type, ...this.nextOpenPeriods() }, cause);
  }
}

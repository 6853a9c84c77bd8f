import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { CircuitOpenError, coerceError, InvalidOptionError, NotRunningError } from '../errors.js';
import type {
  BreakerMachineContext,
  BreakerMachineEvent,
  BreakerState,
} from '../machines/circuitBreakerMachine.js';
import { checkInteger, checkString } from '../options.js';
import type { BreakerHistoryEntry } from '../persistence/breakerStore.js';
import {
  emptyWindow,
  recordOutcome,
  tripCause,
  windowTotals,
  type WindowState,
} from '../policies/breakerWindow.js';
import { backoffDelay } from '../policies/backoff.js';
import type { Breaker, BreakerActorHandle, BreakerRuntime, BreakerStats } from './breaker.js';
import {
  attemptCall,
  closedCall,
  failure,
  neverAborted,
  refused,
  trialCall,
  type Admission,
  type AttemptHost,
  type Outcome,
} from './breakerAttempt.js';
import { BreakerCache, type CachedOptions, type CachedValue } from './breakerCache.js';
import { automaticCause, briefError, publishBreakerChange } from './breakerChange.js';
import {
  resolveCallOptions,
  type CallOptions,
  type ResolvedBreakerOptions,
  type ResolvedCallOptions,
} from './breakerOptions.js';
import type { CallGate, CallPermit } from './callPermit.js';

/**
 * A circuit breaker: counts call outcomes in a pure sliding window and, only when its state must
 * change, sends its machine actor an event. Every change is written to the store, then emitted.
 */
export class CircuitBreaker<F = never> implements Breaker<F>, CallGate, AttemptHost {
  private status: BreakerState = 'closed';
  private actor: BreakerActorHandle | undefined;
  /** Bumped by every state change (and a reset): outcomes of calls begun before it are not counted. */
  private generationValue = 0;
  private window: WindowState;
  private trialsLeft = 0;
  private trialsInFlight = 0;
  private trialSuccesses = 0;
  private trialBegun = false;
  private openUntil: number | null = null;
  /** Opens since the breaker last closed, as its machine counts them. */
  private openCount = 0;
  /** Why the next change happens, set just before the event that causes it is sent. */
  private cause: unknown;
  private readonly subject = new BehaviorSubject<BreakerState>('closed');
  private readonly counts = {
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
  private lastChange: BreakerStats['lastChange'] = null;
  private cacheValue: BreakerCache | undefined;
  /** True when the window needs the time of each call (slow calls, or a time window). */
  private readonly timed: boolean;
  /** True when a call without options takes the fast path: no timeout, no fallback. */
  private readonly plain: boolean;
  private readonly defaultCall: ResolvedCallOptions;
  /** Told after each change that lets calls through again (the job runner resumes waiting jobs). */
  readonly reopened = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly options: ResolvedBreakerOptions,
    private readonly runtime: BreakerRuntime,
  ) {
    this.window = emptyWindow(options.window);
    this.timed = options.slowCallMs !== null || options.window.type === 'time';
    this.plain = options.timeoutMs === null && options.fallback === null;
    this.defaultCall = {
      signal: null,
      timeoutMs: options.timeoutMs,
      fallback: options.fallback,
    };
  }

  get state(): BreakerState {
    return this.status;
  }

  get state$(): Observable<BreakerState> {
    return this.subject.pipe(distinctUntilChanged());
  }

  get stats(): BreakerStats {
    return { state: this.status, ...this.counts, lastChange: this.lastChange };
  }

  get generation(): number {
    return this.generationValue;
  }

  get clock(): BreakerRuntime['clock'] {
    return this.runtime.clock;
  }

  call<T, U = F>(
    fn: (signal: AbortSignal) => T | Promise<T>,
    options?: CallOptions<U>,
  ): Promise<T | U> {
    if (typeof fn !== 'function') {
      return Promise.reject(new InvalidOptionError('fn', 'a function of an AbortSignal', fn));
    }
    if (
      options === undefined &&
      this.plain &&
      this.status === 'closed' &&
      this.actor !== undefined
    ) {
      return this.closedCall(fn);
    }
    let resolved: ResolvedCallOptions;
    try {
      resolved =
        options === undefined ? this.defaultCall : resolveCallOptions(options, this.options);
    } catch (error) {
      return Promise.reject(coerceError(error));
    }
    return this.guardedCall(fn, resolved) as Promise<T | U>;
  }

  /** The fast path: closed, no timeout, no fallback, no caller signal. */
  private async closedCall<T>(fn: (signal: AbortSignal) => T | Promise<T>): Promise<T> {
    const generation = this.generationValue;
    const started = this.timed ? this.runtime.clock.now() : 0;
    this.counts.calls++;
    let value: T;
    try {
      value = await fn(neverAborted);
    } catch (error) {
      this.settle(closedCall, generation, started, coerceError(error));
      throw error;
    }
    this.settle(closedCall, generation, started, undefined);
    return value;
  }

  /** A call with a timeout, a caller's signal or a fallback, in any state. */
  private async guardedCall(
    fn: (signal: AbortSignal) => unknown,
    options: ResolvedCallOptions,
  ): Promise<unknown> {
    const outcome = await this.attempt(fn, options);
    if (outcome.ok) return outcome.value;
    // The fallback answers refusals, timeouts and failures; not aborts or excused errors.
    if (options.fallback === null || !outcome.failure) throw outcome.error;
    return this.answerWithFallback(options.fallback, outcome.error);
  }

  /** The fallback's answer for a call that failed or was refused; counted once it answers. */
  async answerWithFallback(fallback: (error: Error) => unknown, error: unknown): Promise<unknown> {
    const value = await fallback(coerceError(error));
    this.counts.fallbacks++;
    return value;
  }

  /** One call through the breaker, its outcome resolved rather than thrown (for the cache too). */
  attempt(fn: (signal: AbortSignal) => unknown, options: ResolvedCallOptions): Promise<Outcome> {
    if (this.actor === undefined) {
      const error = new NotRunningError(`call breaker \`${this.name}\``, 'not running it');
      return Promise.resolve(failure(error, false));
    }
    return attemptCall(this, fn, options);
  }

  cached<T>(
    key: string,
    fn: (signal: AbortSignal) => T | Promise<T>,
    options?: CachedOptions,
  ): Promise<CachedValue<T | F>> {
    this.cacheValue ??= new BreakerCache(this, this.runtime.clock, this.options.cacheSize);
    return this.cacheValue.get(key, fn, options);
  }

  invalidate(key?: string): void {
    if (key !== undefined) checkString('key', key, 10_000);
    this.cacheValue?.invalidate(key);
  }

  isolate(): void {
    this.mustRun('isolate');
    if (this.status === 'isolated') return;
    this.change({ type: 'ISOLATE' }, { reason: 'isolated by hand' });
  }

  reset(): void {
    this.mustRun('reset');
    if (this.status === 'closed') {
      // A new window: calls begun before the reset no longer count.
      this.window = emptyWindow(this.options.window);
      this.generationValue++;
      return;
    }
    this.change({ type: 'RESET' }, { reason: 'reset by hand' });
  }

  history(limit: number = 100): BreakerHistoryEntry[] {
    return this.runtime.breakerStore.breakerHistory(
      this.name,
      checkInteger('limit', limit, 1, 10_000),
    );
  }

  count(what: 'calls' | 'timeouts'): void {
    this.counts[what]++;
  }

  // --- CallGate: the job runner admits jobs of a type guarded by this breaker ---------------

  available(): number {
    if (this.actor === undefined) return 0;
    if (this.status === 'closed') return Number.POSITIVE_INFINITY;
    return this.status === 'half-open' ? this.trialsLeft : 0;
  }

  acquire(): CallPermit | undefined {
    if (this.actor === undefined) return undefined;
    const kind = this.admit();
    if (kind === refused) return undefined;
    const generation = this.generationValue;
    const started = this.runtime.clock.now();
    this.counts.calls++;
    let done = false;
    return {
      settle: (error) => {
        if (done) return;
        done = true;
        this.settle(kind, generation, started, error);
      },
      release: () => {
        if (done) return;
        done = true;
        this.release(kind, generation);
      },
    };
  }

  // --- the node that supervises the breaker's actor ------------------------------------------

  /** The actor started (or restarted) in `state`; `lastChange` is read from the history. */
  attach(
    actor: BreakerActorHandle,
    state: BreakerState,
    context: BreakerMachineContext,
    at: number,
  ): void {
    this.actor = actor;
    this.enter(state, context, at);
    const last = this.runtime.breakerStore.breakerHistory(this.name, 1)[0];
    if (last !== undefined) this.lastChange = { from: last.from, to: last.to, at: last.at };
    this.subject.next(state);
    if (state !== 'open' && state !== 'isolated') this.notifyReopened();
  }

  /** The actor stopped: calls are refused until it runs again. */
  detach(): void {
    this.actor = undefined;
  }

  /** The actor moved from `from` to `to`: record it, then emit it. */
  changed(from: BreakerState, to: BreakerState, context: BreakerMachineContext): void {
    const at = this.runtime.clock.now();
    const cause = this.cause ?? automaticCause(from, to, context);
    this.cause = undefined;
    this.enter(to, context, at);
    if (to === 'open') this.counts.opened++;
    this.lastChange = { from, to, at };
    publishBreakerChange(this.runtime, {
      name: this.name,
      from,
      to,
      at,
      context,
      openUntil: this.openUntil,
      cause,
    });
    this.subject.next(to);
    if (to === 'half-open' || to === 'closed') this.notifyReopened();
  }

  /** Ends the state$ stream. */
  complete(): void {
    this.subject.complete();
  }

  private enter(state: BreakerState, context: BreakerMachineContext, at: number): void {
    this.status = state;
    this.openCount = context.opens;
    this.generationValue++;
    this.openUntil = state === 'open' ? at + Math.max(0, context.openMs) : null;
    if (state === 'closed') this.window = emptyWindow(this.options.window);
    if (state === 'half-open') {
      this.trialsLeft = this.options.halfOpen.calls;
      this.trialsInFlight = 0;
      this.trialSuccesses = 0;
      this.trialBegun = false;
    }
  }

  private notifyReopened(): void {
    for (const listener of this.reopened) listener();
  }

  private mustRun(operation: string): void {
    if (this.actor === undefined) {
      throw new NotRunningError(`${operation} breaker \`${this.name}\``, 'not running it');
    }
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
        this.actor?.send({ type: 'TRIAL_STARTED', ...this.nextOpenPeriods() });
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
    return new CircuitOpenError(this.name, 'open', Math.max(0, (this.openUntil ?? now) - now));
  }

  release(kind: Admission, generation: number): void {
    this.counts.aborted++;
    if (kind !== trialCall || generation !== this.generationValue) return;
    this.trialsLeft++;
    this.trialsInFlight--;
    if (this.trialsInFlight === 0 && this.trialBegun) {
      // No trial is under way any more: nothing to wait for until the next one begins.
      this.trialBegun = false;
      this.actor?.send({ type: 'TRIALS_IDLE' });
    }
    this.notifyReopened(); // a trial permit is free again: a waiting job may take it
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
      this.change(
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
    this.change({ type: event.type, ...this.nextOpenPeriods() }, cause);
  }

  private change(event: BreakerMachineEvent, cause: unknown): void {
    this.cause = cause;
    if (this.actor?.send(event) !== true) this.cause = undefined;
  }
}

import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { coerceError, InvalidOptionError, NotRunningError } from '../errors.js';
import type {
  BreakerMachineContext,
  BreakerMachineEvent,
  BreakerState,
} from '../machines/circuitBreakerMachine.js';
import { checkInteger, checkString } from '../options.js';
import type { BreakerHistoryEntry } from '../persistence/breakerStore.js';
import type { Breaker, BreakerActorHandle, BreakerRuntime, BreakerStats } from './breaker.js';
import {
  attemptCall,
  closedCall,
  failure,
  neverAborted,
  refused,
  type Outcome,
} from './breakerAttempt.js';
import { BreakerCache, type CachedOptions, type CachedValue } from './breakerCache.js';
import { automaticCause, publishBreakerChange } from './breakerChange.js';
import {
  resolveCallOptions,
  type CallOptions,
  type ResolvedBreakerOptions,
  type ResolvedCallOptions,
} from './breakerOptions.js';
import { BreakerTally } from './breakerTally.js';
import type { CallGate, CallPermit } from './callPermit.js';

/**
 * A circuit breaker: counts call outcomes in a pure sliding window (its tally) and, only when its
 * state must change, sends its machine actor an event. Every change is written to the store, then
 * emitted.
 */
export class CircuitBreaker<F = never> implements Breaker<F>, CallGate {
  private actor: BreakerActorHandle | undefined;
  private readonly tally: BreakerTally;
  /** Why the next change happens, set just before the event that causes it is sent. */
  private cause: unknown;
  private readonly subject = new BehaviorSubject<BreakerState>('closed');
  private lastChange: BreakerStats['lastChange'] = null;
  private cacheValue: BreakerCache | undefined;
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
    this.tally = new BreakerTally(name, options, runtime, {
      send: (event) => this.actor?.send(event),
      change: (event, cause) => {
        this.change(event, cause);
      },
      reopened: () => {
        this.notifyReopened();
      },
    });
    this.plain = options.timeoutMs === null && options.fallback === null;
    this.defaultCall = {
      signal: null,
      timeoutMs: options.timeoutMs,
      fallback: options.fallback,
    };
  }

  get state(): BreakerState {
    return this.tally.state;
  }

  get state$(): Observable<BreakerState> {
    return this.subject.pipe(distinctUntilChanged());
  }

  get stats(): BreakerStats {
    return { state: this.tally.state, ...this.tally.counts, lastChange: this.lastChange };
  }

  get generation(): number {
    return this.tally.generation;
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
      this.tally.state === 'closed' &&
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
    const tally = this.tally;
    const generation = tally.generation;
    const started = tally.timed ? this.runtime.clock.now() : 0;
    tally.counts.calls++;
    let value: T;
    try {
      value = await fn(neverAborted);
    } catch (error) {
      tally.settle(closedCall, generation, started, coerceError(error));
      throw error;
    }
    tally.settle(closedCall, generation, started, undefined);
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
    this.tally.counts.fallbacks++;
    return value;
  }

  /** One call through the breaker, its outcome resolved rather than thrown (for the cache too). */
  attempt(fn: (signal: AbortSignal) => unknown, options: ResolvedCallOptions): Promise<Outcome> {
    if (this.actor === undefined) {
      const error = new NotRunningError(`call breaker \`${this.name}\``, 'not running it');
      return Promise.resolve(failure(error, false));
    }
    return attemptCall(this.tally, fn, options);
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
    if (this.tally.state === 'isolated') return;
    this.change({ type: 'ISOLATE' }, { reason: 'isolated by hand' });
  }

  reset(): void {
    this.mustRun('reset');
    if (this.tally.state === 'closed') {
      this.tally.forgetWindow();
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

  // --- CallGate: the job runner admits jobs of a type guarded by this breaker ---------------

  available(): number {
    return this.actor === undefined ? 0 : this.tally.available();
  }

  acquire(): CallPermit | undefined {
    if (this.actor === undefined) return undefined;
    const tally = this.tally;
    const kind = tally.admit();
    if (kind === refused) return undefined;
    const generation = tally.generation;
    const started = this.runtime.clock.now();
    tally.counts.calls++;
    let done = false;
    return {
      settle: (error) => {
        if (done) return;
        done = true;
        tally.settle(kind, generation, started, error);
      },
      release: () => {
        if (done) return;
        done = true;
        tally.release(kind, generation);
      },
    };
  }

  // --- the node that supervises the breaker's actor ------------------------------------------

  /** The state last reported to `runtime.states`; undefined before the first start. */
  private counted: BreakerState | undefined;

  /** The actor started (or restarted) in `state`; `lastChange` is read from the history. */
  attach(
    actor: BreakerActorHandle,
    state: BreakerState,
    context: BreakerMachineContext,
    at: number,
  ): void {
    this.actor = actor;
    this.tally.enter(state, context, at);
    this.runtime.states?.moved('breaker', this.counted, state);
    this.counted = state;
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
    this.tally.enter(to, context, at);
    this.runtime.states?.moved('breaker', from, to);
    this.counted = to;
    if (to === 'open') this.tally.counts.opened++;
    this.lastChange = { from, to, at };
    publishBreakerChange(this.runtime, {
      name: this.name,
      from,
      to,
      at,
      context,
      openUntil: this.tally.openUntil,
      cause,
    });
    this.subject.next(to);
    if (to === 'half-open' || to === 'closed') this.notifyReopened();
  }

  /** Ends the state$ stream. */
  complete(): void {
    this.subject.complete();
  }

  private notifyReopened(): void {
    for (const listener of this.reopened) listener();
  }

  private mustRun(operation: string): void {
    if (this.actor === undefined) {
      throw new NotRunningError(`${operation} breaker \`${this.name}\``, 'not running it');
    }
  }

  private change(event: BreakerMachineEvent, cause: unknown): void {
    this.cause = cause;
    if (this.actor?.send(event) !== true) this.cause = undefined;
  }
}

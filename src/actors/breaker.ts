import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../clock.js';
import {
  CallTimeoutError,
  CircuitOpenError,
  coerceError,
  InvalidOptionError,
  NotRunningError,
  serializeError,
} from '../errors.js';
import { breakerEventOf, type BreakerEvent } from '../events/breakerEvents.js';
import type {
  BreakerMachineContext,
  BreakerMachineEvent,
  BreakerState,
} from '../machines/circuitBreakerMachine.js';
import type { Logger } from '../observability/logger.js';
import type { BreakerHistoryEntry, BreakerStore } from '../persistence/breakerStore.js';
import {
  emptyWindow,
  recordOutcome,
  tripCause,
  windowTotals,
  type WindowState,
} from '../policies/breakerWindow.js';
import { backoffDelay } from '../supervisor/backoff.js';
import { BreakerCache, type CachedOptions, type CachedValue } from './breakerCache.js';
import {
  resolveCallOptions,
  type CallOptions,
  type ResolvedBreakerOptions,
  type ResolvedCallOptions,
} from './breakerOptions.js';
import type { CallGate, CallPermit } from './callPermit.js';

/** What a breaker counted since it was created in this process. */
export interface BreakerStats {
  readonly state: BreakerState;
  /** Calls let through. */
  readonly calls: number;
  readonly successes: number;
  /** Calls that failed (timeouts included; errors `isFailure` excuses are successes). */
  readonly failures: number;
  /** Calls slower than `slowCallMs`. */
  readonly slow: number;
  /** Calls aborted past their `timeoutMs`. */
  readonly timeouts: number;
  /** Calls refused by the breaker itself; these never count as failures. */
  readonly rejected: number;
  /** Answers given by a fallback. */
  readonly fallbacks: number;
  /** Times it opened. */
  readonly opened: number;
  /** The last state change, in this process or before it. */
  readonly lastChange: {
    readonly from: BreakerState | null;
    readonly to: BreakerState;
    readonly at: number;
  } | null;
}

/** What a breaker needs from Warden. */
export interface BreakerRuntime {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly breakerStore: BreakerStore;
  random(): number;
  emit(event: BreakerEvent): void;
}

/** The breaker's machine actor, as the node that supervises it offers it. */
export interface BreakerActorHandle {
  /** Sends an event to the breaker's actor; false when none is running. */
  send(event: BreakerMachineEvent): boolean;
}

/** Call kinds: refused, let through while closed, or a half-open trial. */
const refused = 0;
const closedCall = 1;
const trialCall = 2;
type Admission = typeof refused | typeof closedCall | typeof trialCall;

/** How a guarded call ended; `failure` says whether a fallback may answer for it. */
export type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown; readonly failure: boolean };

function failure(error: unknown, counts: boolean): Outcome {
  return { ok: false, error, failure: counts };
}

/** The signal handed to calls that nothing can abort. */
const neverAborted = new AbortController().signal;

/**
 * A circuit breaker: counts call outcomes in a pure sliding window and, only when its state must
 * change, sends its machine actor an event. Every change is written to the store, then emitted.
 */
export class Breaker implements CallGate {
  private status: BreakerState = 'closed';
  private actor: BreakerActorHandle | undefined;
  /** Bumped by every state change: outcomes of calls begun in an earlier state are not counted. */
  private generationValue = 0;
  private window: WindowState;
  private trialsLeft = 0;
  private trialSuccesses = 0;
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
    this.timed = options.slowCallMs !== undefined || options.window.type === 'time';
    this.plain = options.timeoutMs === undefined && options.fallback === undefined;
    this.defaultCall = {
      signal: undefined,
      timeoutMs: options.timeoutMs,
      fallback: options.fallback,
    };
  }

  /** The current state. */
  get state(): BreakerState {
    return this.status;
  }

  /** The state now and every change after it. */
  get state$(): Observable<BreakerState> {
    return this.subject.pipe(distinctUntilChanged());
  }

  /** Counts since the breaker was created in this process. */
  get stats(): BreakerStats {
    return { state: this.status, ...this.counts, lastChange: this.lastChange };
  }

  /** Bumped by every state change. */
  get generation(): number {
    return this.generationValue;
  }

  /**
   * Calls `fn` through the breaker. While open (or isolated, or half-open with its trial calls
   * taken) it rejects at once with `CircuitOpenError`, or answers with the fallback.
   */
  call<T>(fn: (signal: AbortSignal) => T | Promise<T>, options?: CallOptions<T>): Promise<T> {
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
    return this.guardedCall(fn, resolved) as Promise<T>;
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
    const fallback = options.fallback;
    // The fallback answers refusals, timeouts and failures; not errors `isFailure` excuses.
    if (fallback === undefined || !outcome.failure) throw outcome.error;
    this.counts.fallbacks++;
    return fallback(coerceError(outcome.error));
  }

  /** One call through the breaker, its outcome resolved rather than thrown (for the cache too). */
  attempt(fn: (signal: AbortSignal) => unknown, options: ResolvedCallOptions): Promise<Outcome> {
    if (this.actor === undefined) {
      return Promise.resolve(
        failure(new NotRunningError(`call breaker \`${this.name}\``, 'not running it'), false),
      );
    }
    const { signal, timeoutMs } = options;
    if (signal?.aborted === true)
      return Promise.resolve(failure(coerceError(signal.reason), false));
    const kind = this.admit();
    if (kind === refused) return Promise.resolve(failure(this.refusal(), true));
    const generation = this.generationValue;
    const started = this.runtime.clock.now();
    this.counts.calls++;
    return new Promise((resolve) => {
      let settled = false;
      let timer: TimerHandle | undefined;
      let controller: AbortController | undefined;
      const end = (): boolean => {
        if (settled) return false;
        settled = true;
        if (timer !== undefined) this.runtime.clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = (): void => {
        if (!end()) return;
        controller?.abort(signal?.reason);
        this.release(kind, generation);
        resolve(failure(coerceError(signal?.reason), false));
      };
      let callSignal = signal ?? neverAborted;
      if (timeoutMs !== undefined) {
        controller = new AbortController();
        callSignal = controller.signal;
        if (signal !== undefined) {
          // The call sees one signal: aborted by the caller or by the timeout.
          const inner = controller;
          signal.addEventListener('abort', () => inner.abort(signal.reason), { once: true });
        }
        timer = this.runtime.clock.setTimeout(() => {
          timer = undefined;
          if (!end()) return;
          const error = new CallTimeoutError(this.name, timeoutMs);
          this.counts.timeouts++;
          controller?.abort(error);
          this.settle(kind, generation, started, error, true);
          resolve(failure(error, true));
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      let pending: unknown;
      try {
        pending = fn(callSignal);
      } catch (error) {
        pending = Promise.reject(coerceError(error));
      }
      Promise.resolve(pending).then(
        (value) => {
          if (!end()) return;
          this.settle(kind, generation, started, undefined);
          resolve({ ok: true, value });
        },
        (error: unknown) => {
          if (!end()) return;
          const failed = this.settle(kind, generation, started, coerceError(error));
          resolve(failure(error, failed));
        },
      );
    });
  }

  /**
   * A value from the breaker's cache, or from `fn` through the breaker. An entry written before
   * the breaker's latest state change is never served as fresh; while calls are refused, the
   * last good value is served marked `stale`.
   */
  cached<T>(
    key: string,
    fn: (signal: AbortSignal) => T | Promise<T>,
    options?: CachedOptions,
  ): Promise<CachedValue<T>> {
    this.cacheValue ??= new BreakerCache(this, this.runtime.clock, this.options.cacheSize);
    return this.cacheValue.get(key, fn, options);
  }

  /** Drops one cache entry, or every entry. */
  invalidate(key?: string): void {
    this.cacheValue?.invalidate(key);
  }

  /** Holds the breaker open until `reset()`, across restarts too. */
  isolate(): void {
    this.mustRun('isolate');
    if (this.status === 'isolated') return;
    this.change({ type: 'ISOLATE' }, { reason: 'isolated by hand' });
  }

  /** Closes the breaker and clears its window and open count. */
  reset(): void {
    this.mustRun('reset');
    if (this.status === 'closed') {
      this.window = emptyWindow(this.options.window);
      return;
    }
    this.change({ type: 'RESET' }, { reason: 'reset by hand' });
  }

  /** The breaker's recorded state changes, oldest first (the newest `limit`). */
  history(limit = 100): BreakerHistoryEntry[] {
    return this.runtime.breakerStore.breakerHistory(this.name, limit);
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

  /** The actor started (or restarted) in `state`; no change is recorded. */
  attach(
    actor: BreakerActorHandle,
    state: BreakerState,
    context: BreakerMachineContext,
    at: number,
  ): void {
    this.actor = actor;
    this.enter(state, context, at);
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
    try {
      this.runtime.breakerStore.saveBreakerChange(
        {
          name: this.name,
          state: to,
          opens: context.opens,
          openUntil: this.openUntil,
          reopenMs: context.reopenMs,
          changedAt: at,
        },
        from,
        cause,
      );
    } catch (error) {
      this.runtime.logger.error(
        { err: error, breaker: this.name },
        'a breaker state change could not be written',
      );
    }
    this.subject.next(to);
    const base = { breaker: this.name, from, at, cause };
    if (to === 'open') {
      this.runtime.emit({
        type: 'breaker.opened',
        ...base,
        openUntil: this.openUntil ?? at,
        opens: context.opens,
      });
    } else {
      this.runtime.emit({ type: breakerEventOf[to], ...base });
    }
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
      this.trialSuccesses = 0;
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

  /** Whether a call may start now, and as what. */
  private admit(): Admission {
    if (this.status === 'closed') return closedCall;
    if (this.status === 'half-open' && this.trialsLeft > 0) {
      this.trialsLeft--;
      return trialCall;
    }
    this.counts.rejected++;
    return refused;
  }

  private refusal(): CircuitOpenError {
    const now = this.runtime.clock.now();
    if (this.status === 'half-open') {
      const wait = this.options.timeoutMs ?? this.options.halfOpen.maxWaitMs;
      return new CircuitOpenError(
        this.name,
        'half-open',
        Math.min(wait, this.options.halfOpen.maxWaitMs),
      );
    }
    if (this.status === 'isolated') {
      return new CircuitOpenError(this.name, 'isolated', Number.POSITIVE_INFINITY);
    }
    return new CircuitOpenError(this.name, 'open', Math.max(0, (this.openUntil ?? now) - now));
  }

  /** A call that never reached a verdict gives its trial permit back. */
  private release(kind: Admission, generation: number): void {
    if (kind === trialCall && generation === this.generationValue) this.trialsLeft++;
  }

  private isFailure(error: Error, timedOut: boolean): boolean {
    const predicate = this.options.isFailure;
    if (predicate === undefined || timedOut) return true;
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

  /** Counts a call's outcome, and changes state when a rule says so. */
  private settle(
    kind: Admission,
    generation: number,
    started: number,
    error: Error | undefined,
    timedOut = false,
  ): boolean {
    const failed = error !== undefined && this.isFailure(error, timedOut);
    const now = this.timed || kind === trialCall ? this.runtime.clock.now() : 0;
    const slowCallMs = this.options.slowCallMs;
    const slow = slowCallMs !== undefined && now - started > slowCallMs;
    if (failed) this.counts.failures++;
    else this.counts.successes++;
    if (slow) this.counts.slow++;
    if (generation !== this.generationValue) return failed; // it began in an earlier state
    if (kind === trialCall) {
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
        { reason: 'tripped', ...trip, ...(failed ? { error: serializeError(error) } : {}) },
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
          ...(failed ? { error: serializeError(error) } : {}),
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

  /** Opens for the next step of the open backoff. */
  private open(event: { type: 'TRIP' | 'TRIAL_FAILED' }, cause: unknown): void {
    const opens = this.openCount + 1;
    const { openMs } = this.options;
    this.change(
      {
        type: event.type,
        openMs: backoffDelay(openMs, opens, this.runtime.random()),
        reopenMs: backoffDelay(openMs, opens + 1, this.runtime.random()),
      },
      cause,
    );
  }

  private change(event: BreakerMachineEvent, cause: unknown): void {
    this.cause = cause;
    if (this.actor?.send(event) !== true) this.cause = undefined;
  }
}

/** The cause recorded for a change the machine made on its own (a timer). */
function automaticCause(
  from: BreakerState,
  to: BreakerState,
  context: BreakerMachineContext,
): unknown {
  if (from === 'open' && to === 'half-open') return { reason: 'open period over' };
  if (from === 'half-open' && to === 'open') {
    return { reason: 'trial did not decide in time', maxWaitMs: context.maxWaitMs };
  }
  return null;
}

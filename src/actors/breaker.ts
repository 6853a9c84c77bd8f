import type { Observable } from 'rxjs';
import type { Clock } from '../clock.js';
import type { BreakerEvent } from '../events/breakerEvents.js';
import type { BreakerMachineEvent, BreakerState } from '../machines/circuitBreakerMachine.js';
import type { Logger } from '../observability/logger.js';
import type { BreakerHistoryEntry, BreakerStore } from '../persistence/breakerStore.js';
import type { CachedOptions, CachedValue } from './breakerCache.js';
import type { CallOptions } from './breakerOptions.js';
import type { StateObserver } from '../observability/metrics/stateObserver.js';

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
  /** Calls let through whose caller gave up (or whose job was cancelled) before a verdict. */
  readonly aborted: number;
  /** Answers given by a fallback (through `call` or `cached`). */
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
  /** Told of every state the breaker enters (the metrics' time in state). */
  readonly states?: StateObserver | undefined;
}

/** The breaker's machine actor, as the node that supervises it offers it. */
export interface BreakerActorHandle {
  /** Sends an event to the breaker's actor; false when none is running. */
  send(event: BreakerMachineEvent): boolean;
}

/**
 * A circuit breaker, from `warden.breaker(name, options)`. `F` is what its `fallback` answers
 * with (never, without one).
 */
export interface Breaker<F = never> {
  readonly name: string;
  /** The current state. */
  readonly state: BreakerState;
  /** The state now and every change after it. */
  readonly state$: Observable<BreakerState>;
  /** Counts since the breaker was created in this process; `lastChange` also from before it. */
  readonly stats: BreakerStats;
  /**
   * Calls `fn` through the breaker. While open (or isolated, or half-open with its trial calls
   * taken) it rejects at once with `CircuitOpenError`, or answers with the fallback.
   */
  call<T, U = F>(
    fn: (signal: AbortSignal) => T | Promise<T>,
    options?: CallOptions<U>,
  ): Promise<T | U>;
  /**
   * A value from the breaker's cache, or from `fn` through the breaker. An entry written before
   * the breaker's latest state change is never served as fresh; while calls are refused, the last
   * good value is served marked `stale`.
   */
  cached<T>(
    key: string,
    fn: (signal: AbortSignal) => T | Promise<T>,
    options?: CachedOptions,
  ): Promise<CachedValue<T | F>>;
  /** Drops one cache entry, or every entry. */
  invalidate(key?: string): void;
  /** Holds the breaker open until `reset()`, across restarts too. */
  isolate(): void;
  /** Closes the breaker and clears its window and open count. */
  reset(): void;
  /** The breaker's recorded state changes, oldest first (the newest `limit`, at most 10,000). @default 100 */
  history(limit?: number): BreakerHistoryEntry[];
}

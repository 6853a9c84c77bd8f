import type { Clock } from '../clock.js';
import { coerceError, InvalidOptionError, WardenError } from '../errors.js';
import { checkInteger, checkKeys, checkNumber, checkObject, checkString } from '../options.js';
import type { Outcome } from './breakerAttempt.js';
import type { ResolvedBreakerOptions, ResolvedCallOptions } from './breakerOptions.js';

/** What a cache needs of its breaker (a `CircuitBreaker`). */
export interface CacheBreaker {
  /** Bumped by every state change: an entry of an earlier generation is not fresh. */
  readonly generation: number;
  readonly options: Pick<ResolvedBreakerOptions, 'timeoutMs' | 'fallback'>;
  /** One call through the breaker, with no fallback. */
  attempt(fn: (signal: AbortSignal) => unknown, options: ResolvedCallOptions): Promise<Outcome>;
  /** The fallback's answer for a call that failed or was refused. */
  answerWithFallback(fallback: (error: Error) => unknown, error: unknown): Promise<unknown>;
}

/** A value from `breaker.cached`, with where it came from. */
export interface CachedValue<T> {
  readonly value: T;
  /** True when it was written before the breaker's latest state change, or its ttl is over: served only because the call was refused (or failed, with `staleOnError`). */
  readonly stale: boolean;
  /** How long ago it was computed, in ms (0 for a value computed by this call). */
  readonly ageMs: number;
  /** True when it came from the cache rather than from this call. */
  readonly fromCache: boolean;
}

/** Options of one `breaker.cached` call. */
export interface CachedOptions {
  /** How long an entry is fresh, in ms (while the breaker stays in the state it was written in). @default 60_000 */
  readonly ttlMs?: number;
  /** Serve the last good value, marked stale, when the call fails too (not only when it is refused). @default false */
  readonly staleOnError?: boolean;
  /** Never serve a stale value older than this, in ms. @default no limit */
  readonly maxStaleMs?: number;
  /** Aborts the call (a value already cached is still served). */
  readonly signal?: AbortSignal;
  /** Overrides the breaker's `timeoutMs` for the call. */
  readonly timeoutMs?: number;
}

interface Entry {
  readonly value: unknown;
  readonly at: number;
  /** The breaker's generation (its state) when the call that computed it began. */
  readonly generation: number;
  /** Which computation wrote it: a later-begun one is never replaced by an earlier-begun one. */
  readonly order: number;
}

interface Pending {
  readonly generation: number;
  readonly promise: Promise<CachedValue<unknown>>;
}

const defaultTtlMs = 60_000;

/**
 * A breaker-aware cache: each entry remembers the breaker state it was computed in, and is fresh
 * only while the breaker stays in that state and within its ttl. A value is stored only once its
 * computation succeeded, so a failed or partial one never leaves an entry. Concurrent misses for
 * one key share one call. The oldest entries are dropped past `cacheSize`.
 */
export class BreakerCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Pending>();
  private computations = 0;

  constructor(
    private readonly breaker: CacheBreaker,
    private readonly clock: Clock,
    private readonly size: number,
  ) {}

  get<T>(
    key: string,
    fn: (signal: AbortSignal) => T | Promise<T>,
    input?: CachedOptions,
  ): Promise<CachedValue<T>> {
    let options: ReturnType<typeof resolve>;
    try {
      checkString('key', key, 10_000);
      if (typeof fn !== 'function') throw new InvalidOptionError('fn', 'a function', fn);
      options = resolve(input);
    } catch (error) {
      return Promise.reject(coerceError(error));
    }
    const now = this.clock.now();
    const generation = this.breaker.generation;
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.generation === generation && now - entry.at < options.ttlMs) {
      return Promise.resolve({
        value: entry.value as T,
        stale: false,
        ageMs: now - entry.at,
        fromCache: true,
      });
    }
    const shared = this.pending.get(key);
    if (shared !== undefined && shared.generation === generation && options.signal === undefined) {
      return shared.promise as Promise<CachedValue<T>>;
    }
    const promise = this.compute(key, fn, options, generation);
    if (options.signal === undefined) {
      this.pending.set(key, { generation, promise });
      const clear = (): void => {
        if (this.pending.get(key)?.promise === promise) this.pending.delete(key);
      };
      promise.then(clear, clear);
    }
    return promise as Promise<CachedValue<T>>;
  }

  private async compute(
    key: string,
    fn: (signal: AbortSignal) => unknown,
    options: ReturnType<typeof resolve>,
    generation: number,
  ): Promise<CachedValue<unknown>> {
    const startedAt = this.clock.now();
    const order = ++this.computations;
    const outcome = await this.breaker.attempt(fn, {
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? this.breaker.options.timeoutMs,
      fallback: undefined,
    });
    if (outcome.ok) {
      const current = this.entries.get(key);
      // A slower, older computation never replaces what a newer one stored.
      if (current !== undefined && current.order > order) {
        return { value: outcome.value, stale: false, ageMs: 0, fromCache: false };
      }
      this.entries.delete(key); // re-inserted last: the oldest entry is first in the map
      // Its age counts from when the computation began: it may say nothing newer than that.
      this.entries.set(key, { value: outcome.value, at: startedAt, generation, order });
      if (this.entries.size > this.size) {
        const oldest = this.entries.keys().next();
        if (oldest.done !== true) this.entries.delete(oldest.value);
      }
      return { value: outcome.value, stale: false, ageMs: 0, fromCache: false };
    }
    const error = outcome.error;
    const refusedHere = WardenError.is(error) && error.code === 'CIRCUIT_OPEN';
    const entry = this.entries.get(key);
    const now = this.clock.now();
    if (
      entry !== undefined &&
      (refusedHere || (options.staleOnError && outcome.failure)) &&
      now - entry.at <= options.maxStaleMs
    ) {
      return { value: entry.value, stale: true, ageMs: now - entry.at, fromCache: true };
    }
    const fallback = this.breaker.options.fallback;
    if (fallback !== undefined && outcome.failure) {
      const value = await this.breaker.answerWithFallback(fallback, error);
      return { value, stale: true, ageMs: 0, fromCache: false };
    }
    throw error;
  }

  /** Drops one entry, or all of them. */
  invalidate(key?: string): void {
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }
}

function resolve(input: unknown): {
  ttlMs: number;
  staleOnError: boolean;
  maxStaleMs: number;
  signal: AbortSignal | undefined;
  timeoutMs: number | undefined;
} {
  const options = checkObject('cached options', input);
  checkKeys('cached options', options, [
    'ttlMs',
    'staleOnError',
    'maxStaleMs',
    'signal',
    'timeoutMs',
  ]);
  const signal = options['signal'];
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidOptionError('cached options.signal', 'an AbortSignal', signal);
  }
  const staleOnError = options['staleOnError'] ?? false;
  if (typeof staleOnError !== 'boolean') {
    throw new InvalidOptionError('cached options.staleOnError', 'true or false', staleOnError);
  }
  return {
    ttlMs: checkNumber('cached options.ttlMs', options['ttlMs'] ?? defaultTtlMs, 0),
    staleOnError,
    maxStaleMs: checkNumber(
      'cached options.maxStaleMs',
      options['maxStaleMs'] ?? Number.MAX_SAFE_INTEGER,
      0,
    ),
    signal,
    timeoutMs:
      options['timeoutMs'] === undefined
        ? undefined
        : checkInteger('cached options.timeoutMs', options['timeoutMs'], 1, 2_147_483_647),
  };
}

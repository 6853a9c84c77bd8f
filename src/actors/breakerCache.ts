import type { Clock } from '../clock.js';
import { coerceError, InvalidOptionError, WardenError } from '../errors.js';
import { checkInteger, checkNumber, checkOptions, checkString, keysOf } from '../options.js';
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
  /** Aborts the call (a value already cached is still served). @default none */
  readonly signal?: AbortSignal;
  /** Overrides the breaker's `timeoutMs` for the call. @default the breaker's */
  readonly timeoutMs?: number;
}

/** A `breaker.cached` call's options with every default applied; `null` is none (or the breaker's). */
export interface ResolvedCachedOptions {
  readonly ttlMs: number;
  readonly staleOnError: boolean;
  readonly maxStaleMs: number;
  readonly signal: AbortSignal | null;
  readonly timeoutMs: number | null;
}

/** Defaults of one `breaker.cached` call (`timeoutMs: null` is the breaker's). */
export const defaultCachedOptions = {
  ttlMs: 60_000,
  staleOnError: false,
  maxStaleMs: Number.MAX_SAFE_INTEGER,
  signal: null,
  timeoutMs: null,
} as const satisfies ResolvedCachedOptions;

const cachedOptionKeys = keysOf<CachedOptions>({
  ttlMs: true,
  staleOnError: true,
  maxStaleMs: true,
  signal: true,
  timeoutMs: true,
});

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
    let options: ResolvedCachedOptions;
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
    if (shared !== undefined && shared.generation === generation && options.signal === null) {
      return shared.promise as Promise<CachedValue<T>>;
    }
    const promise = this.compute(key, fn, options, generation);
    if (options.signal === null) {
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
    options: ResolvedCachedOptions,
    generation: number,
  ): Promise<CachedValue<unknown>> {
    const startedAt = this.clock.now();
    const order = ++this.computations;
    const outcome = await this.breaker.attempt(fn, {
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? this.breaker.options.timeoutMs,
      fallback: null,
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
    if (fallback !== null && outcome.failure) {
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

/** Validates one `breaker.cached` call's options (unknown keys refused) and fills in their defaults. */
function resolve(input: unknown): ResolvedCachedOptions {
  const given = checkOptions<CachedOptions>('cached options', input, cachedOptionKeys);
  const defaults = defaultCachedOptions;
  const signal = given.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidOptionError('cached options.signal', 'an AbortSignal', signal);
  }
  const staleOnError = given.staleOnError ?? defaults.staleOnError;
  if (typeof staleOnError !== 'boolean') {
    throw new InvalidOptionError('cached options.staleOnError', 'true or false', staleOnError);
  }
  return {
    ttlMs: checkNumber('cached options.ttlMs', given.ttlMs ?? defaults.ttlMs, 0),
    staleOnError,
    maxStaleMs: checkNumber(
      'cached options.maxStaleMs',
      given.maxStaleMs ?? defaults.maxStaleMs,
      0,
    ),
    signal: signal ?? defaults.signal,
    timeoutMs:
      given.timeoutMs === undefined
        ? defaults.timeoutMs
        : checkInteger('cached options.timeoutMs', given.timeoutMs, 1, 2_147_483_647),
  };
}

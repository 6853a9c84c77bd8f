import { InvalidOptionError } from '../errors.js';
import {
  checkFunction,
  checkInteger,
  checkObject,
  checkOptions,
  keysOf,
  type Defaults,
} from '../options.js';
import type { TripRules, WindowOptions } from '../policies/breakerWindow.js';
import { resolveBackoff, type BackoffOptions, type ResolvedBackoff } from '../policies/backoff.js';

/** The longest timer delay Node honours (about 24.8 days). */
const maxMs = 2_147_483_647;

/** Options of `warden.breaker(name, options)`. */
export interface BreakerOptions<T = unknown> {
  /** The calls the rates are measured over. @default { type: 'count', size: 20 } */
  readonly window?:
    | { readonly type: 'count'; readonly size: number }
    | { readonly type: 'time'; readonly ms: number; readonly buckets?: number };
  /** Open when at least this share (0–1] of the window's calls failed; `false` turns it off. @default 0.5 */
  readonly failureRate?: number | false;
  /** Rates are judged only once the window holds this many calls. @default 10 */
  readonly minimumCalls?: number;
  /** Open after this many failures in a row, whatever the window holds. @default false (off) */
  readonly consecutiveFailures?: number | false;
  /** A call that takes longer than this (ms) is slow, whether it succeeds or not. @default none */
  readonly slowCallMs?: number;
  /** Open when at least this share (0–1] of the window's calls were slow (needs `slowCallMs`). @default 1 */
  readonly slowCallRate?: number;
  /** How long the breaker stays open: ms, or a backoff over the opens since it last closed. @default exponential from 30 s, at most 5 min, jitter 0.1 */
  readonly openMs?: number | BackoffOptions;
  /** The half-open trial: `calls` let through, `successes` of them close it, any failure reopens it. */
  readonly halfOpen?: {
    /** @default 1 */
    readonly calls?: number;
    /** @default 1 */
    readonly successes?: number;
    /** A trial that has not decided within this reopens the breaker. @default 60_000 */
    readonly maxWaitMs?: number;
  };
  /** Aborts a call's signal past this many ms and counts it as a failure. @default none */
  readonly timeoutMs?: number;
  /** Returns false for errors that say nothing about the service's health (a 404, say). @default every error */
  readonly isFailure?: (error: Error) => boolean;
  /** Answers instead when a call is refused or fails. @default none */
  readonly fallback?: (error: Error) => T | Promise<T>;
  /** The breaker's cache (`breaker.cached`) keeps at most this many entries. @default 1000 */
  readonly cacheSize?: number;
}

/** Breaker options with every default applied; `null` is none. */
export interface ResolvedBreakerOptions {
  readonly window: WindowOptions;
  readonly rules: TripRules;
  readonly slowCallMs: number | null;
  readonly openMs: ResolvedBackoff;
  readonly halfOpen: {
    readonly calls: number;
    readonly successes: number;
    readonly maxWaitMs: number;
  };
  readonly timeoutMs: number | null;
  readonly isFailure: ((error: Error) => boolean) | null;
  readonly fallback: ((error: Error) => unknown) | null;
  readonly cacheSize: number;
}

/**
 * Defaults of `warden.breaker()`, every option's (`null` is none), and of a time window's
 * `buckets`. An `openMs` backoff that leaves fields out takes them from `openMs` here.
 */
export const defaultBreakerOptions = {
  window: { type: 'count', size: 20 },
  timeWindowBuckets: 10,
  failureRate: 0.5,
  minimumCalls: 10,
  consecutiveFailures: false,
  slowCallMs: null,
  slowCallRate: 1,
  openMs: { type: 'exponential', delayMs: 30_000, factor: 2, maxDelayMs: 300_000, jitter: 0.1 },
  halfOpen: { calls: 1, successes: 1, maxWaitMs: 60_000 },
  timeoutMs: null,
  isFailure: null,
  fallback: null,
  cacheSize: 1000,
} as const satisfies Defaults<BreakerOptions> & {
  readonly timeWindowBuckets: number;
  readonly openMs: ResolvedBackoff;
  readonly halfOpen: Required<NonNullable<BreakerOptions['halfOpen']>>;
};

const optionKeys = keysOf<BreakerOptions>({
  window: true,
  failureRate: true,
  minimumCalls: true,
  consecutiveFailures: true,
  slowCallMs: true,
  slowCallRate: true,
  openMs: true,
  halfOpen: true,
  timeoutMs: true,
  isFailure: true,
  fallback: true,
  cacheSize: true,
});
const halfOpenKeys = keysOf<NonNullable<BreakerOptions['halfOpen']>>({
  calls: true,
  successes: true,
  maxWaitMs: true,
});
type CountWindow = { readonly type: 'count'; readonly size: number };
type TimeWindow = { readonly type: 'time'; readonly ms: number; readonly buckets?: number };

function rate(name: string, value: unknown, fallback: number | false): number | false {
  if (value === undefined) return fallback;
  if (value === false) return false;
  if (typeof value !== 'number' || !(value > 0) || value > 1) {
    throw new InvalidOptionError(name, 'a share above 0 and at most 1, or `false`', value);
  }
  return value;
}

function resolveWindow(name: string, input: unknown): WindowOptions {
  if (input === undefined) return defaultBreakerOptions.window;
  const type: unknown = checkObject(name, input)['type'];
  if (type === 'count') {
    const window = checkOptions<CountWindow>(
      name,
      input,
      keysOf<CountWindow>({ type: true, size: true }),
    );
    return { type: 'count', size: checkInteger(`${name}.size`, window.size, 1, 100_000) };
  }
  if (type === 'time') {
    const window = checkOptions<TimeWindow>(
      name,
      input,
      keysOf<TimeWindow>({ type: true, ms: true, buckets: true }),
    );
    return {
      type: 'time',
      ms: checkInteger(`${name}.ms`, window.ms, 1, maxMs),
      buckets: checkInteger(
        `${name}.buckets`,
        window.buckets ?? defaultBreakerOptions.timeWindowBuckets,
        1,
        1000,
      ),
    };
  }
  throw new InvalidOptionError(`${name}.type`, "`'count'` or `'time'`", type);
}

/** An open period of 0 ms would let every call through at once: a backoff must start at 1 ms. */
function atLeastOneMs(name: string, backoff: ResolvedBackoff): ResolvedBackoff {
  if (backoff.delayMs < 1) throw new InvalidOptionError(name, 'a whole number from 1 and up', 0);
  return backoff;
}

/** The trial successes that close the breaker: no more than the trial calls let through. */
function checkSuccesses(name: string, value: unknown, calls: number): number {
  const successes = checkInteger(
    name,
    value ?? defaultBreakerOptions.halfOpen.successes,
    1,
    10_000,
  );
  if (successes > calls) {
    throw new InvalidOptionError(
      name,
      `at most \`halfOpen.calls\` (${calls}), the trial calls let through`,
      successes,
    );
  }
  return successes;
}

/** Validates breaker options (unknown keys refused) and fills in their defaults. */
export function resolveBreakerOptions(breaker: string, input: unknown): ResolvedBreakerOptions {
  const where = `breaker('${breaker}')`;
  const given = checkOptions<BreakerOptions>(`${where} options`, input, optionKeys, where);
  const defaults = defaultBreakerOptions;
  const at = (field: string): string => `${where}.${field}`;
  const halfOpen = checkOptions<NonNullable<BreakerOptions['halfOpen']>>(
    at('halfOpen'),
    given.halfOpen,
    halfOpenKeys,
  );
  const calls = checkInteger(
    at('halfOpen.calls'),
    halfOpen.calls ?? defaults.halfOpen.calls,
    1,
    10_000,
  );
  const consecutive = given.consecutiveFailures;
  const optionalMs = (field: string, value: unknown): number | null =>
    value === undefined ? null : checkInteger(at(field), value, 1, maxMs);
  const slowCallMs = optionalMs('slowCallMs', given.slowCallMs);
  if (slowCallMs === null && given.slowCallRate !== undefined) {
    throw new InvalidOptionError(
      at('slowCallRate'),
      'left out unless `slowCallMs` says which calls are slow',
      given.slowCallRate,
    );
  }
  const window = resolveWindow(at('window'), given.window);
  const minimumCalls = checkInteger(
    at('minimumCalls'),
    given.minimumCalls ?? defaults.minimumCalls,
    1,
    window.type === 'count' ? window.size : 1_000_000,
  );
  return {
    window,
    rules: {
      failureRate: rate(at('failureRate'), given.failureRate, defaults.failureRate),
      slowCallRate:
        slowCallMs === null
          ? false
          : rate(at('slowCallRate'), given.slowCallRate, defaults.slowCallRate),
      consecutiveFailures:
        consecutive === undefined || consecutive === false
          ? defaults.consecutiveFailures
          : checkInteger(at('consecutiveFailures'), consecutive, 1, 1_000_000),
      minimumCalls,
    },
    slowCallMs,
    openMs: resolveOpenMs(at('openMs'), given.openMs),
    halfOpen: {
      calls,
      successes: checkSuccesses(at('halfOpen.successes'), halfOpen.successes, calls),
      maxWaitMs: checkInteger(
        at('halfOpen.maxWaitMs'),
        halfOpen.maxWaitMs ?? defaults.halfOpen.maxWaitMs,
        1,
        maxMs,
      ),
    },
    timeoutMs: optionalMs('timeoutMs', given.timeoutMs),
    isFailure:
      given.isFailure === undefined
        ? defaults.isFailure
        : checkFunction(at('isFailure'), given.isFailure),
    fallback:
      given.fallback === undefined
        ? defaults.fallback
        : checkFunction(at('fallback'), given.fallback),
    cacheSize: checkInteger(at('cacheSize'), given.cacheSize ?? defaults.cacheSize, 1, 10_000_000),
  };
}

/** How long the breaker stays open: fixed ms, or a backoff merged over the default's fields. */
function resolveOpenMs(name: string, value: unknown): ResolvedBackoff {
  if (value === undefined) return defaultBreakerOptions.openMs;
  if (typeof value === 'number') {
    return { type: 'fixed', delayMs: checkInteger(name, value, 1, maxMs), jitter: 0 };
  }
  return atLeastOneMs(`${name}.delayMs`, resolveBackoff(name, value, defaultBreakerOptions.openMs));
}

/** Options of one `breaker.call`. */
export interface CallOptions<T = unknown> {
  /** Aborts the call: it rejects at once with the signal's reason and counts for nothing. */
  readonly signal?: AbortSignal;
  /** Overrides the breaker's `timeoutMs` for this call. */
  readonly timeoutMs?: number;
  /** Overrides the breaker's `fallback` for this call. */
  readonly fallback?: (error: Error) => T | Promise<T>;
}

/** A call's options, checked and over the breaker's; `null` is none. */
export interface ResolvedCallOptions {
  readonly signal: AbortSignal | null;
  readonly timeoutMs: number | null;
  readonly fallback: ((error: Error) => unknown) | null;
}

const callOptionKeys = keysOf<CallOptions>({ signal: true, timeoutMs: true, fallback: true });

/** Validates one call's options (unknown keys refused) over the breaker's. */
export function resolveCallOptions(
  input: unknown,
  breaker: ResolvedBreakerOptions,
): ResolvedCallOptions {
  const given = checkOptions<CallOptions>('call options', input, callOptionKeys);
  const signal = given.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidOptionError('call options.signal', 'an AbortSignal', signal);
  }
  return {
    signal: signal ?? null,
    timeoutMs:
      given.timeoutMs === undefined
        ? breaker.timeoutMs
        : checkInteger('call options.timeoutMs', given.timeoutMs, 1, maxMs),
    fallback:
      given.fallback === undefined
        ? breaker.fallback
        : checkFunction('call options.fallback', given.fallback),
  };
}

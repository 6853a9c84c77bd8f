import { InvalidOptionError } from '../errors.js';
import { checkFunction, checkInteger, checkKeys, checkObject } from '../options.js';
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

/** Breaker options with every default applied. */
export interface ResolvedBreakerOptions {
  readonly window: WindowOptions;
  readonly rules: TripRules;
  readonly slowCallMs: number | undefined;
  readonly openMs: ResolvedBackoff;
  readonly halfOpen: {
    readonly calls: number;
    readonly successes: number;
    readonly maxWaitMs: number;
  };
  readonly timeoutMs: number | undefined;
  readonly isFailure: ((error: Error) => boolean) | undefined;
  readonly fallback: ((error: Error) => unknown) | undefined;
  readonly cacheSize: number;
}

/** Defaults of `warden.breaker()`. */
export const defaultBreakerOptions = {
  window: { type: 'count', size: 20 },
  timeWindowBuckets: 10,
  failureRate: 0.5,
  minimumCalls: 10,
  consecutiveFailures: false,
  slowCallRate: 1,
  openMs: { type: 'exponential', delayMs: 30_000, maxDelayMs: 300_000, jitter: 0.1 },
  halfOpen: { calls: 1, successes: 1, maxWaitMs: 60_000 },
  cacheSize: 1000,
} as const;

const optionKeys = [
  'window',
  'failureRate',
  'minimumCalls',
  'consecutiveFailures',
  'slowCallMs',
  'slowCallRate',
  'openMs',
  'halfOpen',
  'timeoutMs',
  'isFailure',
  'fallback',
  'cacheSize',
] as const;

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
  const window = checkObject(name, input);
  if (window['type'] === 'count') {
    checkKeys(name, window, ['type', 'size']);
    return { type: 'count', size: checkInteger(`${name}.size`, window['size'], 1, 100_000) };
  }
  if (window['type'] === 'time') {
    checkKeys(name, window, ['type', 'ms', 'buckets']);
    return {
      type: 'time',
      ms: checkInteger(`${name}.ms`, window['ms'], 1, maxMs),
      buckets: checkInteger(
        `${name}.buckets`,
        window['buckets'] ?? defaultBreakerOptions.timeWindowBuckets,
        1,
        1000,
      ),
    };
  }
  throw new InvalidOptionError(`${name}.type`, "`'count'` or `'time'`", window['type']);
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

/** Validates breaker options (unknown keys included) and applies the defaults. */
export function resolveBreakerOptions(breaker: string, input: unknown): ResolvedBreakerOptions {
  const where = `breaker('${breaker}')`;
  const options = checkObject(`${where} options`, input);
  checkKeys(where, options, optionKeys);
  const at = (field: string): string => `${where}.${field}`;
  const halfOpen = checkObject(at('halfOpen'), options['halfOpen']);
  checkKeys(at('halfOpen'), halfOpen, ['calls', 'successes', 'maxWaitMs']);
  const calls = checkInteger(
    at('halfOpen.calls'),
    halfOpen['calls'] ?? defaultBreakerOptions.halfOpen.calls,
    1,
    10_000,
  );
  const consecutive = options['consecutiveFailures'];
  const openMs = options['openMs'] ?? defaultBreakerOptions.openMs;
  const optionalMs = (field: string): number | undefined =>
    options[field] === undefined ? undefined : checkInteger(at(field), options[field], 1, maxMs);
  const slowCallMs = optionalMs('slowCallMs');
  if (slowCallMs === undefined && options['slowCallRate'] !== undefined) {
    throw new InvalidOptionError(
      at('slowCallRate'),
      'left out unless `slowCallMs` says which calls are slow',
      options['slowCallRate'],
    );
  }
  const window = resolveWindow(at('window'), options['window']);
  const minimumCalls = checkInteger(
    at('minimumCalls'),
    options['minimumCalls'] ?? defaultBreakerOptions.minimumCalls,
    1,
    window.type === 'count' ? window.size : 1_000_000,
  );
  return {
    window,
    rules: {
      failureRate: rate(
        at('failureRate'),
        options['failureRate'],
        defaultBreakerOptions.failureRate,
      ),
      slowCallRate:
        slowCallMs === undefined
          ? false
          : rate(at('slowCallRate'), options['slowCallRate'], defaultBreakerOptions.slowCallRate),
      consecutiveFailures:
        consecutive === undefined || consecutive === false
          ? defaultBreakerOptions.consecutiveFailures
          : checkInteger(at('consecutiveFailures'), consecutive, 1, 1_000_000),
      minimumCalls,
    },
    slowCallMs,
    openMs:
      typeof openMs === 'number'
        ? { type: 'fixed', delayMs: checkInteger(at('openMs'), openMs, 1, maxMs), jitter: 0 }
        : atLeastOneMs(at('openMs.delayMs'), resolveBackoff(at('openMs'), openMs)),
    halfOpen: {
      calls,
      successes: checkSuccesses(at('halfOpen.successes'), halfOpen['successes'], calls),
      maxWaitMs: checkInteger(
        at('halfOpen.maxWaitMs'),
        halfOpen['maxWaitMs'] ?? defaultBreakerOptions.halfOpen.maxWaitMs,
        1,
        maxMs,
      ),
    },
    timeoutMs: optionalMs('timeoutMs'),
    isFailure:
      options['isFailure'] === undefined
        ? undefined
        : checkFunction(at('isFailure'), options['isFailure']),
    fallback:
      options['fallback'] === undefined
        ? undefined
        : checkFunction(at('fallback'), options['fallback']),
    cacheSize: checkInteger(
      at('cacheSize'),
      options['cacheSize'] ?? defaultBreakerOptions.cacheSize,
      1,
      10_000_000,
    ),
  };
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

/** A call's options, checked. */
export interface ResolvedCallOptions {
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  readonly fallback: ((error: Error) => unknown) | undefined;
}

/** Validates one call's options over the breaker's. */
export function resolveCallOptions(
  input: unknown,
  breaker: ResolvedBreakerOptions,
): ResolvedCallOptions {
  const options = checkObject('call options', input);
  checkKeys('call options', options, ['signal', 'timeoutMs', 'fallback']);
  const signal = options['signal'];
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidOptionError('call options.signal', 'an AbortSignal', signal);
  }
  return {
    signal,
    timeoutMs:
      options['timeoutMs'] === undefined
        ? breaker.timeoutMs
        : checkInteger('call options.timeoutMs', options['timeoutMs'], 1, maxMs),
    fallback:
      options['fallback'] === undefined
        ? breaker.fallback
        : checkFunction('call options.fallback', options['fallback']),
  };
}

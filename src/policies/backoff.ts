import { InvalidOptionError } from '../errors.js';
import { checkInteger, checkNumber, checkObject, checkOptions } from '../options.js';

/** The longest delay a timer can wait (about 24.8 days). */
const maxDelay = 2_147_483_647;

/**
 * A wait that stays the same from try to try. Where a policy has a default (a job type's retries,
 * an actor's restarts, a breaker's open period, a pool's creates), the fields left out come from it.
 */
export interface FixedBackoff {
  readonly type: 'fixed';
  /** The wait in whole ms. */
  readonly delayMs: number;
  /** Fraction (0–1) of the delay that is randomised away. @default the default policy's, else 0 */
  readonly jitter?: number;
}

/** A wait that grows `factor` times from try to try, up to `maxDelayMs`; left-out fields as for `FixedBackoff`. */
export interface ExponentialBackoff {
  readonly type: 'exponential';
  /** The first wait in whole ms; each later one is `factor` times longer. */
  readonly delayMs: number;
  /** @default the default policy's, else 2 */
  readonly factor?: number;
  /** The longest wait in ms (an inherited one below `delayMs` is raised to it). @default the default policy's, else 3_600_000 (one hour) */
  readonly maxDelayMs?: number;
  /** Fraction (0–1) of the delay that is randomised away. @default the default policy's, else 0 */
  readonly jitter?: number;
}

/** How long to wait before the next try, as a pure, serialisable policy. */
export type BackoffOptions = FixedBackoff | ExponentialBackoff;

/** A backoff policy with every field set. */
export type ResolvedBackoff =
  | { readonly type: 'fixed'; readonly delayMs: number; readonly jitter: number }
  | {
      readonly type: 'exponential';
      readonly delayMs: number;
      readonly factor: number;
      readonly maxDelayMs: number;
      readonly jitter: number;
    };

/**
 * The wait before try `attempt + 1`, after `attempt` (1-based) failed. `random` is a number in
 * [0, 1); with jitter `j` the delay is scaled by `1 - j * random`, so it never exceeds the
 * un-jittered delay and never falls below `(1 - j)` of it.
 */
export function backoffDelay(policy: ResolvedBackoff, attempt: number, random: number): number {
  // A huge exponent overflows to Infinity, which the cap absorbs; a zero delay stays zero.
  const base =
    policy.type === 'fixed' || policy.delayMs === 0
      ? policy.delayMs
      : Math.min(policy.maxDelayMs, policy.delayMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - policy.jitter * random));
}

/** What a backoff policy leaves out is filled in from these, per type. */
export const defaultBackoff = {
  fixed: { jitter: 0 },
  exponential: { factor: 2, maxDelayMs: 3_600_000, jitter: 0 },
} as const satisfies {
  readonly [T in ResolvedBackoff['type']]: Omit<
    Extract<ResolvedBackoff, { type: T }>,
    'type' | 'delayMs'
  >;
};

/**
 * Validates a backoff policy and fills in the fields it leaves out, field by field, from `base`
 * (the default policy where it is used: a job type's retries, an actor's restarts) when that is of
 * the same type, else from `defaultBackoff` (`jitter` from `base` either way). An inherited
 * `maxDelayMs` below the given `delayMs` is raised to it; a given one below it is refused.
 */
export function resolveBackoff(
  name: string,
  input: unknown,
  base?: ResolvedBackoff,
): ResolvedBackoff {
  const kind: unknown = checkObject(name, input)['type'];
  switch (kind) {
    case 'fixed': {
      const given = checkOptions<FixedBackoff>(name, input, ['type', 'delayMs', 'jitter']);
      return {
        type: 'fixed',
        delayMs: checkInteger(`${name}.delayMs`, given.delayMs, 0, maxDelay),
        jitter: checkJitter(name, given.jitter ?? base?.jitter ?? defaultBackoff.fixed.jitter),
      };
    }
    case 'exponential': {
      const given = checkOptions<ExponentialBackoff>(name, input, [
        'type',
        'delayMs',
        'factor',
        'maxDelayMs',
        'jitter',
      ]);
      const inherited = base?.type === 'exponential' ? base : defaultBackoff.exponential;
      const delayMs = checkInteger(`${name}.delayMs`, given.delayMs, 0, maxDelay);
      return {
        type: 'exponential',
        delayMs,
        factor: checkNumber(`${name}.factor`, given.factor ?? inherited.factor, 1),
        maxDelayMs:
          given.maxDelayMs === undefined
            ? Math.max(inherited.maxDelayMs, delayMs)
            : checkInteger(`${name}.maxDelayMs`, given.maxDelayMs, delayMs, maxDelay),
        jitter: checkJitter(name, given.jitter ?? base?.jitter ?? inherited.jitter),
      };
    }
    default:
      throw new InvalidOptionError(`${name}.type`, "`'fixed'` or `'exponential'`", kind);
  }
}

function checkJitter(name: string, value: unknown): number {
  return checkNumber(`${name}.jitter`, value, 0, 1);
}

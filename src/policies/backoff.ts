import { InvalidOptionError } from '../errors.js';
import { checkInteger, checkKeys, checkNumber, checkObject } from '../options.js';

/** The longest delay a timer can wait (about 24.8 days). */
const maxDelay = 2_147_483_647;

/** How long to wait before the next try, as a pure, serialisable policy. */
export type BackoffOptions =
  | {
      readonly type: 'fixed';
      /** The wait in whole ms. */
      readonly delayMs: number;
      /** Fraction (0–1) of the delay that is randomised away; @default 0 */
      readonly jitter?: number;
    }
  | {
      readonly type: 'exponential';
      /** The first wait in whole ms; each later one is `factor` times longer. */
      readonly delayMs: number;
      /** @default 2 */
      readonly factor?: number;
      /** The longest wait in ms; @default 3_600_000 (one hour) */
      readonly maxDelayMs?: number;
      /** Fraction (0–1) of the delay that is randomised away; @default 0 */
      readonly jitter?: number;
    };

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

/** Validates a backoff policy and fills in its defaults. */
export function resolveBackoff(name: string, input: unknown): ResolvedBackoff {
  const options = checkObject(name, input);
  const jitter = checkNumber(`${name}.jitter`, options['jitter'] ?? 0, 0, 1);
  const delayMs = checkInteger(`${name}.delayMs`, options['delayMs'], 0, maxDelay);
  switch (options['type']) {
    case 'fixed':
      checkKeys(name, options, ['type', 'delayMs', 'jitter']);
      return { type: 'fixed', delayMs, jitter };
    case 'exponential':
      checkKeys(name, options, ['type', 'delayMs', 'factor', 'maxDelayMs', 'jitter']);
      return {
        type: 'exponential',
        delayMs,
        jitter,
        factor: checkNumber(`${name}.factor`, options['factor'] ?? 2, 1),
        maxDelayMs: checkInteger(
          `${name}.maxDelayMs`,
          options['maxDelayMs'] ?? 3_600_000,
          delayMs,
          maxDelay,
        ),
      };
    default:
      throw new InvalidOptionError(`${name}.type`, "`'fixed'` or `'exponential'`", options['type']);
  }
}

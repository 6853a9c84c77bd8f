import { InvalidOptionError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { checkFunction, checkInteger, checkOptions, checkString, keysOf } from '../options.js';
import type { JobProgress } from '../persistence/Store.js';
import type { Lease, Pool } from './pool.js';
import type { AcquireOptions } from './poolOptions.js';
import { resolveBackoff, type BackoffOptions, type ResolvedBackoff } from '../policies/backoff.js';

/** What a job handler receives besides its payload. */
export interface JobContext<Checkpoint = unknown> {
  readonly jobId: string;
  readonly type: string;
  /** This attempt's number, from 1. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted on timeout, cancel, or shutdown; its `reason` says which. */
  readonly signal: AbortSignal;
  /** Reports progress; written in the next group commit and emitted as `job.progress`. */
  progress(done: number, total?: number): void;
  /** Durably saves resumable state; resolves once committed. A retry sees it as `lastCheckpoint`. */
  checkpoint(data: Checkpoint): Promise<void>;
  /** The last checkpoint saved by any earlier attempt of this job, or undefined. */
  readonly lastCheckpoint: Checkpoint | undefined;
  /** A child of Warden's logger carrying `jobId`, `jobType`, `attempt`, `trace_id` and `span_id`. */
  readonly log: Logger;
  /** The job's trace id (W3C, 32 hex digits): the same for every attempt of the job. */
  readonly traceId: string;
  /** This attempt's span id (W3C, 16 hex digits), a child of the job's creation context. */
  readonly spanId: string;
  /** This attempt's W3C traceparent, to pass on to a downstream call. */
  readonly traceparent: string;
  /**
   * Leases a resource of a pool (by name, or the pool) for this attempt. Whatever `release()` or
   * `destroy()` the handler does not call is done when the attempt ends: released after a return
   * or a throw, destroyed after a timeout, a cancel or a shutdown (the handler may still hold it).
   */
  acquire<R>(pool: string | Pool<R>, options?: AcquireOptions): Promise<Lease<R>>;
  /** `pool.use` for this attempt: the lease never outlives it, and `signal` is the attempt's. */
  use<R, T>(
    pool: string | Pool<R>,
    fn: (resource: R, ctx: { readonly signal: AbortSignal }) => T | Promise<T>,
    options?: AcquireOptions,
  ): Promise<T>;
}

/** What a fallback receives: the job's context and the error of its last attempt. */
export interface FallbackContext<Checkpoint = unknown> extends JobContext<Checkpoint> {
  readonly error: Error;
}

/** Retry policy of a job type. */
export interface RetryOptions {
  /** Attempts in all, including the first; `enqueue` may override it. @default 3 */
  readonly attempts?: number;
  /** Wait between attempts; a policy that leaves fields out takes them from this default, field by field. @default { type: 'exponential', delayMs: 1000, factor: 2, maxDelayMs: 300_000, jitter: 0.2 } */
  readonly backoff?: BackoffOptions;
  /** Returns false for errors that are not worth retrying. @default every error but `UnrecoverableError` */
  readonly retryable?: (error: Error) => boolean;
}

/** How a job type runs. */
export interface JobDefinition<Payload = unknown, Result = unknown, Checkpoint = unknown> {
  /** Does the work; resolve to succeed (the value is stored as the job's result), throw to fail. */
  readonly run: (payload: Payload, ctx: JobContext<Checkpoint>) => Promise<Result> | Result;
  /** Aborts an attempt that runs longer than this and fails it with `TimeoutError`. @default none */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Runs once after the last attempt fails; its result ends the job `succeeded`. */
  readonly fallback?: (
    payload: Payload,
    ctx: FallbackContext<Checkpoint>,
  ) => Promise<Result> | Result;
  /** Checks a payload at enqueue time: throw (or return false) to refuse it. */
  readonly validate?: (payload: unknown) => boolean | void;
  /** At most this many jobs of this type run at once. @default the global concurrency */
  readonly concurrency?: number;
  /**
   * The name of a breaker (from `warden.breaker()`) that guards this type: each attempt is a call
   * through it, and while it is open the type's queued jobs wait, spending no attempts.
   */
  readonly breaker?: string;
}

/**
 * A job definition with its defaults filled in. `timeoutMs`, `fallback` and `breaker` are still
 * `undefined` for none (the runner reads them so), `validate` is `null` for none.
 */
export interface ResolvedJobDefinition {
  readonly type: string;
  readonly run: (payload: unknown, ctx: JobContext) => unknown;
  readonly timeoutMs: number | undefined;
  readonly attempts: number;
  readonly backoff: ResolvedBackoff;
  readonly retryable: (error: Error) => boolean;
  readonly fallback: ((payload: unknown, ctx: FallbackContext) => unknown) | undefined;
  readonly validate: ((payload: unknown) => boolean | void) | null;
  readonly concurrency: number;
  readonly breaker: string | undefined;
}

/** Every error is worth retrying, but `UnrecoverableError` (which the run checks first). */
const everyError = (): boolean => true;

/**
 * Defaults of a job type, `retry`'s fields (`attempts`, `backoff`, `retryable`) among them. `null`
 * is none; `concurrency: null` is the global concurrency. A `retry.backoff` that leaves fields out
 * takes them from `backoff` here, field by field.
 */
export const defaultJobOptions = {
  timeoutMs: null,
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 1000, factor: 2, maxDelayMs: 300_000, jitter: 0.2 },
  retryable: everyError,
  fallback: null,
  validate: null,
  concurrency: null,
  breaker: null,
} as const satisfies {
  readonly [K in keyof Omit<ResolvedJobDefinition, 'type' | 'run'>]: NonNullable<
    ResolvedJobDefinition[K]
  > | null;
};

/** The longest timer delay Node honours (about 24.8 days). */
export const maxTimerMs = 2_147_483_647;

const definitionKeys = keysOf<JobDefinition>({
  run: true,
  timeoutMs: true,
  retry: true,
  fallback: true,
  validate: true,
  concurrency: true,
  breaker: true,
});
const retryKeys = keysOf<RetryOptions>({ attempts: true, backoff: true, retryable: true });

/** Validates a job definition (unknown keys refused) and fills in its defaults. */
export function resolveJobDefinition(
  type: unknown,
  input: unknown,
  globalConcurrency: number,
): ResolvedJobDefinition {
  const name = checkString('type', type, 200);
  const where = `defineJob('${name}')`;
  if (input === undefined)
    throw new InvalidOptionError(`${where} options`, 'an options object with `run`', input);
  const given = checkOptions<JobDefinition>(`${where} options`, input, definitionKeys, where);
  const at = (field: string): string => `${where}.${field}`;
  const retry = checkOptions<RetryOptions>(at('retry'), given.retry, retryKeys);
  const defaults = defaultJobOptions;
  return {
    type: name,
    run: checkFunction(at('run'), given.run),
    timeoutMs:
      given.timeoutMs === undefined
        ? undefined
        : checkInteger(at('timeoutMs'), given.timeoutMs, 1, maxTimerMs),
    attempts: checkInteger(at('retry.attempts'), retry.attempts ?? defaults.attempts, 1, 1_000_000),
    backoff:
      retry.backoff === undefined
        ? defaults.backoff
        : resolveBackoff(at('retry.backoff'), retry.backoff, defaults.backoff),
    retryable:
      retry.retryable === undefined
        ? defaults.retryable
        : checkFunction(at('retry.retryable'), retry.retryable),
    fallback:
      given.fallback === undefined ? undefined : checkFunction(at('fallback'), given.fallback),
    validate:
      given.validate === undefined
        ? defaults.validate
        : checkFunction(at('validate'), given.validate),
    concurrency:
      given.concurrency === undefined
        ? globalConcurrency
        : checkInteger(at('concurrency'), given.concurrency, 1, 100_000),
    breaker:
      given.breaker === undefined ? undefined : checkString(at('breaker'), given.breaker, 200),
  };
}

/** Checks the numbers passed to `ctx.progress()`. */
export function checkProgress(done: unknown, total: unknown): JobProgress {
  const finite = (value: unknown): value is number =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0;
  if (!finite(done))
    throw new InvalidOptionError('progress done', 'a finite number from 0 and up', done);
  if (total === undefined) return { done };
  if (!finite(total))
    throw new InvalidOptionError('progress total', 'a finite number from 0 and up', total);
  return { done, total };
}

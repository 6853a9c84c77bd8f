import { createActor, type Actor } from 'xstate';
import type { Clock, TimerHandle } from '../clock.js';
import {
  coerceError,
  InvalidOptionError,
  InvalidPayloadError,
  InvalidResultError,
  JobCancelledError,
  serializeError,
  ShutdownError,
  TimeoutError,
  WardenError,
  type SerializedError,
} from '../errors.js';
import { canRetry, jobMachine, type JobStatus } from '../machines/jobMachine.js';
import type { Logger } from '../observability/logger.js';
import { checkObject } from '../options.js';
import { toJsonText } from '../persistence/json.js';
import type { ClaimedJob, JobProgress } from '../persistence/Store.js';
import type { CallPermit } from './callPermit.js';
import type { Lease, Pool } from './pool.js';
import { PoolLease } from './poolLease.js';
import { FallbackRunContext, RunContext } from './runContext.js';
import type { AcquireOptions } from './poolOptions.js';
import { backoffDelay } from '../policies/backoff.js';
import { checkProgress, type ResolvedJobDefinition } from './jobDefinition.js';

/** The two ends of a promise, settled after a commit. */
export interface Deferred<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/** How an attempt ended, as decided by the job machine. */
export type RunOutcome =
  | {
      readonly to: 'succeeded';
      readonly event: 'SUCCEED';
      readonly resultJson: string;
      readonly viaFallback: boolean;
      /** With `viaFallback`: the error of the last attempt, kept in the history. */
      readonly error?: SerializedError;
    }
  | {
      readonly to: 'retrying';
      readonly event: 'FAIL';
      readonly error: SerializedError;
      readonly runAt: number;
    }
  | { readonly to: 'dead'; readonly event: 'FAIL'; readonly error: SerializedError }
  | { readonly to: 'cancelled'; readonly event: 'CANCEL' };

/** What a run needs from the scheduler that owns it. */
export interface JobRunHost {
  readonly clock: Clock;
  readonly logger: Logger;
  random(): number;
  /** The run left `running`: free its slot and persist the outcome, settling `deferred` on commit. */
  finish(run: JobRun, outcome: RunOutcome, deferred?: Deferred<void>): void;
  /** The run has new progress to write. */
  progress(run: JobRun): void;
  /** Persist a checkpoint; resolves once committed. */
  checkpoint(run: JobRun, json: string): Promise<void>;
  /** The job actor failed: a bug, reported rather than crashing the process. */
  actorError(run: JobRun, error: unknown): void;
  /** The pool named `name`, for `ctx.acquire`. */
  pool(name: string): Pool<unknown> | undefined;
}

type Phase = 'attempt' | 'fallback' | 'done';

type JobSnapshot = ReturnType<typeof jobMachine.resolveState>;
const snapshots = new Map<string, JobSnapshot>();

/** The machine's `running` snapshot for an attempt; snapshots are immutable, so they are shared. */
function runningSnapshot(attempt: number, maxAttempts: number): JobSnapshot {
  const key = `${attempt}/${maxAttempts}`;
  let snapshot = snapshots.get(key);
  if (snapshot === undefined) {
    snapshot = jobMachine.resolveState({ value: 'running', context: { attempt, maxAttempts } });
    if (snapshots.size < 1024) snapshots.set(key, snapshot);
  }
  return snapshot;
}

function isUnrecoverable(error: Error): boolean {
  return WardenError.is(error) && error.code === 'UNRECOVERABLE';
}

/**
 * One attempt of one job: a live job-machine actor in `running`, bound to the handler's promise,
 * its AbortSignal and its timeout. The actor decides the outcome; the host persists it.
 */
export class JobRun {
  readonly id: string;
  readonly type: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The row version this run owns; every write names it. */
  readonly version: number;
  /** The latest progress reported, waiting to be written. */
  progressValue: JobProgress | undefined;
  /** True while a progress write is queued. */
  progressQueued = false;
  /** `ctx.progress` and `ctx.checkpoint`, created when a handler first reads them. */
  progressFunction: ((done: number, total?: number) => void) | undefined;
  checkpointFunction: ((data: unknown) => Promise<void>) | undefined;

  private readonly actor: Actor<typeof jobMachine>;
  private readonly payloadValue: unknown;
  private readonly checkpointJson: string | null;
  private phase: Phase = 'attempt';
  /** Each phase's signal, created on first use, so the attempt's stays aborted in the fallback. */
  private readonly controllers: { attempt?: AbortController; fallback?: AbortController } = {};
  /** Why each phase was aborted, for a signal created after the abort. */
  private readonly abortReasons: { attempt?: unknown; fallback?: unknown } = {};
  private timer: TimerHandle | undefined;
  private logger: Logger | undefined;
  private attemptError: Error | undefined;
  /** Leases taken through `ctx` that the attempt has not ended yet. */
  private leases: Lease<unknown>[] = [];
  /** True once the attempt ran past its `timeoutMs`: its leases are destroyed, not released. */
  private timedOut = false;

  constructor(
    private readonly host: JobRunHost,
    private readonly definition: ResolvedJobDefinition,
    claimed: ClaimedJob,
    /** The job type's breaker let this attempt through: its outcome is reported there. */
    private permit?: CallPermit,
  ) {
    this.id = claimed.id;
    this.type = claimed.type;
    this.attempt = claimed.attempt;
    this.maxAttempts = claimed.maxAttempts;
    this.version = claimed.version;
    this.payloadValue = JSON.parse(claimed.payloadJson) as unknown;
    this.checkpointJson = claimed.checkpointJson;
    this.actor = createActor(jobMachine, {
      input: { maxAttempts: claimed.maxAttempts },
      snapshot: runningSnapshot(claimed.attempt, claimed.maxAttempts),
    });
    this.actor.subscribe({ error: (error) => host.actorError(this, error) });
    this.actor.start();
  }

  /** The job's status as the actor sees it. */
  get status(): JobStatus {
    return this.actor.getSnapshot().value;
  }

  /** True until the run has reached an outcome or been abandoned. */
  get active(): boolean {
    return this.phase !== 'done';
  }

  /** The payload the handler receives. */
  get payload(): unknown {
    return this.payloadValue;
  }

  /** The signal of a phase (the attempt or the fallback), created on first use. */
  signal(phase: Exclude<Phase, 'done'>): AbortSignal {
    let controller = this.controllers[phase];
    if (controller === undefined) {
      controller = new AbortController();
      this.controllers[phase] = controller;
      const reason = this.abortReasons[phase];
      if (reason !== undefined) controller.abort(reason);
    }
    return controller.signal;
  }

  /** The run's logger, created on first use. */
  log(): Logger {
    this.logger ??= this.host.logger.child({
      jobId: this.id,
      jobType: this.type,
      attempt: this.attempt,
    });
    return this.logger;
  }

  /** The checkpoint of an earlier attempt. */
  lastCheckpoint(): unknown {
    return this.checkpointJson === null ? undefined : (JSON.parse(this.checkpointJson) as unknown);
  }

  /** Starts the handler. */
  start(): void {
    if (this.phase !== 'attempt') return; // ended before it began (cancelled)
    this.armTimeout();
    this.invoke(() => this.definition.run(this.payloadValue, new RunContext(this, 'attempt')));
  }

  /** Cancels the run: aborts its signal and ends the job `cancelled`; undefined when already over. */
  cancel(): Promise<void> | undefined {
    if (this.phase === 'done') return undefined;
    this.endPermit(undefined, true);
    this.abort(new JobCancelledError(this.id));
    return new Promise((resolve, reject) => {
      this.conclude({ type: 'CANCEL' }, { to: 'cancelled', event: 'CANCEL' }, { resolve, reject });
    });
  }

  /** Gives up on the run at shutdown: aborts its signal and writes nothing (the next start recovers it). */
  abandon(): void {
    if (this.phase === 'done') return;
    this.endPermit(undefined, true);
    this.endLeases(true);
    this.clearTimer();
    this.abort(new ShutdownError());
    this.phase = 'done';
    this.actor.stop();
  }

  private invoke(work: () => unknown): void {
    const phase = this.phase;
    try {
      const pending = work();
      // A thenable is awaited; anything else, even plain data with a `then` key, is the result.
      const then: unknown =
        (typeof pending === 'object' && pending !== null) || typeof pending === 'function'
          ? (pending as { then?: unknown }).then
          : undefined;
      if (typeof then !== 'function') {
        this.succeeded(phase, pending);
        return;
      }
      (then as (ok: (v: unknown) => void, fail: (e: unknown) => void) => unknown).call(
        pending,
        (value: unknown) => {
          this.succeeded(phase, value);
        },
        (error: unknown) => {
          this.failed(phase, error);
        },
      );
    } catch (error) {
      this.failed(phase, error);
    }
  }

  private armTimeout(): void {
    const timeoutMs = this.definition.timeoutMs;
    if (timeoutMs === undefined) return;
    const phase = this.phase;
    this.timer = this.host.clock.setTimeout(() => {
      this.timer = undefined;
      this.timedOut = true;
      const error = new TimeoutError(timeoutMs);
      this.abort(error);
      this.failed(phase, error);
    }, timeoutMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Aborts the current phase's signal. */
  private abort(reason: unknown): void {
    if (this.phase === 'done') return;
    const phase = this.phase;
    this.abortReasons[phase] = reason;
    this.controllers[phase]?.abort(reason);
  }

  /** Reports the attempt's verdict to the breaker that admitted it (once), or gives it back. */
  private endPermit(error: Error | undefined, release = false): void {
    const permit = this.permit;
    if (permit === undefined) return;
    this.permit = undefined;
    if (release) permit.release();
    else permit.settle(error);
  }

  private succeeded(phase: Phase, value: unknown): void {
    if (this.phase !== phase) return; // a late result: the attempt already ended
    const json = toJsonText(value === undefined ? null : value, 'result');
    if ('problem' in json) {
      this.failed(phase, new InvalidResultError(`the handler's ${json.problem}`));
      return;
    }
    if (phase === 'attempt') this.endPermit(undefined);
    this.conclude(
      { type: 'SUCCEED' },
      phase === 'fallback' && this.attemptError !== undefined
        ? {
            to: 'succeeded',
            event: 'SUCCEED',
            resultJson: json.text,
            viaFallback: true,
            error: serializeError(this.attemptError),
          }
        : { to: 'succeeded', event: 'SUCCEED', resultJson: json.text, viaFallback: false },
    );
  }

  private failed(phase: Phase, thrown: unknown): void {
    if (this.phase !== phase) return;
    const error = coerceError(thrown);
    if (phase === 'attempt') this.endPermit(error);
    if (phase === 'fallback') {
      const attemptError = this.attemptError ?? error;
      const wrapped = new WardenError(
        'FALLBACK_FAILED',
        `the fallback failed: ${error.message} (after the last attempt failed: ${attemptError.message})`,
        { cause: error },
      );
      if (error.stack !== undefined) wrapped.stack = error.stack;
      this.conclude(
        { type: 'FAIL', retryable: false },
        { to: 'dead', event: 'FAIL', error: serializeError(wrapped) },
      );
      return;
    }
    const retryable = !isUnrecoverable(error) && this.isRetryable(error);
    const context = { attempt: this.attempt, maxAttempts: this.maxAttempts };
    if (canRetry(context, retryable)) {
      const delay = backoffDelay(this.definition.backoff, this.attempt, this.host.random());
      this.conclude(
        { type: 'FAIL', retryable: true },
        {
          to: 'retrying',
          event: 'FAIL',
          error: serializeError(error),
          runAt: this.host.clock.now() + delay,
        },
      );
      return;
    }
    const fallback = this.definition.fallback;
    if (fallback !== undefined) {
      this.enterFallback(fallback, error);
      return;
    }
    this.conclude(
      { type: 'FAIL', retryable: false },
      { to: 'dead', event: 'FAIL', error: serializeError(error) },
    );
  }

  /**
   * Runs the fallback for a last attempt that failed elsewhere: one left `running` by a process
   * that died, found at start-up. The run owns the row's current version, as a claim would.
   */
  startFallback(error: Error): void {
    if (this.phase !== 'attempt') return; // ended before it began (cancelled)
    const fallback = this.definition.fallback;
    if (fallback === undefined) throw new Error(`job type ${this.type} has no fallback`);
    this.enterFallback(fallback, error);
  }

  private enterFallback(
    fallback: NonNullable<ResolvedJobDefinition['fallback']>,
    error: Error,
  ): void {
    this.clearTimer();
    this.endLeases(this.timedOut);
    this.timedOut = false;
    this.attemptError = error;
    this.phase = 'fallback';
    this.armTimeout();
    this.invoke(() => fallback(this.payloadValue, new FallbackRunContext(this, error)));
  }

  private isRetryable(error: Error): boolean {
    try {
      return this.definition.retryable(error);
    } catch (predicateError) {
      this.log().error(
        { err: predicateError },
        'retryable() threw; the error is treated as not retryable',
      );
      return false;
    }
  }

  /** Sends the final event to the actor, then hands the outcome the actor reached to the host. */
  private conclude(
    event: { type: 'SUCCEED' } | { type: 'CANCEL' } | { type: 'FAIL'; retryable: boolean },
    outcome: RunOutcome,
    deferred?: Deferred<void>,
  ): void {
    this.phase = 'done';
    this.clearTimer();
    this.endLeases(event.type === 'CANCEL' || this.timedOut);
    this.actor.send(event);
    const reached = this.actor.getSnapshot().value;
    this.actor.stop();
    if (reached !== outcome.to) {
      // The machine is the law: an outcome it did not reach is never written.
      this.host.actorError(
        this,
        new Error(`job machine reached \`${reached}\`, expected \`${outcome.to}\``),
      );
      deferred?.resolve();
      return;
    }
    this.host.finish(this, outcome, deferred);
  }

  /** Leases a pool's resource for this attempt; the attempt's end releases (or destroys) it. */
  async acquire(
    ref: unknown,
    options: AcquireOptions | undefined,
    signal: AbortSignal,
  ): Promise<Lease<unknown>> {
    const pool = this.poolOf(ref);
    const given = checkObject('acquire options', options);
    const own = given['signal'];
    // The attempt's end aborts the wait too, whatever signal the handler gave.
    const mine =
      own === undefined
        ? signal
        : own instanceof AbortSignal
          ? AbortSignal.any([own, signal])
          : own;
    const lease = await pool.acquire({ ...given, signal: mine as AbortSignal }); // a bad one is refused there
    if (this.phase === 'done') {
      lease.release(); // the attempt ended while it waited
      throw new JobCancelledError(this.id);
    }
    this.leases.push(lease);
    return lease;
  }

  private poolOf(ref: unknown): Pool<unknown> {
    if (typeof ref === 'string') {
      const pool = this.host.pool(ref);
      if (pool === undefined) {
        throw new InvalidOptionError('pool', 'the name of a pool created with warden.pool()', ref);
      }
      return pool;
    }
    if (typeof ref === 'object' && ref !== null && 'acquire' in ref && 'name' in ref) {
      return ref as Pool<unknown>;
    }
    throw new InvalidOptionError('pool', 'a pool, or the name of one', ref);
  }

  /** Ends the leases the handler left open: destroyed (their signals aborted) when the handler may still hold them. */
  private endLeases(destroy: boolean, reason?: Error): void {
    if (this.leases.length === 0) return;
    for (const lease of this.leases.splice(0)) {
      try {
        if (!destroy) lease.release();
        else if (lease instanceof PoolLease) {
          lease.abandon(reason ?? new ShutdownError(`job ${this.id}'s attempt ended`));
        } else lease.destroy();
      } catch {
        // already ended by the handler
      }
    }
  }

  /** Queues a progress write. */
  reportProgress(done: unknown, total: unknown): void {
    if (this.phase === 'done') return;
    this.progressValue = checkProgress(done, total);
    this.host.progress(this);
  }

  /** Persists a checkpoint. */
  saveCheckpoint(data: unknown): Promise<void> {
    const json = toJsonText(data, 'checkpoint');
    if ('problem' in json) {
      return Promise.reject(new InvalidPayloadError(`the ${json.problem}`));
    }
    return this.host.checkpoint(this, json.text);
  }
}

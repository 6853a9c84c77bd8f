import { randomUUID } from 'node:crypto';
import type { CallGate } from '../actors/callPermit.js';
import type { Pool } from '../actors/pool.js';
import { JobRun, type Deferred, type JobRunHost, type RunOutcome } from '../actors/jobRun.js';
import { holdProcessOpen, type Clock, type TimerHandle } from '../clock.js';
import {
  coerceError,
  DatabaseError,
  InvalidTransitionError,
  JobNotFoundError,
  NotRunningError,
  serializeError,
  StalledJobError,
  TransactionLostError,
  WardenError,
  type SerializedError,
} from '../errors.js';
import type { EventBus } from '../events/eventBus.js';
import type { JobEvent as WardenEvent } from '../events/types.js';
import { nextJobStatus, terminalJobStatuses } from '../machines/jobMachine.js';
import type { Logger } from '../observability/logger.js';
import type { Job, NewJob, StatusChange, Store } from '../persistence/Store.js';
import { backoffDelay, resolveBackoff } from '../policies/backoff.js';
import {
  defaultJobOptions,
  maxTimerMs,
  type ResolvedJobDefinition,
} from '../actors/jobDefinition.js';

/** One write waiting for the next group commit. */
type WriteOp =
  | {
      readonly kind: 'insert';
      readonly jobs: readonly NewJob[];
      readonly deferred: Deferred<Job[]>;
    }
  | {
      readonly kind: 'finish';
      readonly run: JobRun;
      readonly outcome: RunOutcome;
      readonly deferred: Deferred<void> | undefined;
    }
  | { readonly kind: 'progress'; readonly run: JobRun }
  | {
      readonly kind: 'checkpoint';
      readonly run: JobRun;
      readonly json: string;
      readonly deferred: Deferred<void>;
    }
  | {
      readonly kind: 'command';
      readonly id: string;
      readonly event: 'CANCEL' | 'REPLAY';
      readonly deferred: Deferred<Job>;
    };

type FinishOp = Extract<WriteOp, { kind: 'finish' }>;

/** The status change that records a run's outcome. */
function outcomeChange(run: JobRun, outcome: RunOutcome, now: number): StatusChange {
  const { id, version, attempt } = run;
  switch (outcome.to) {
    case 'retrying':
      return {
        id,
        from: 'running',
        to: 'retrying',
        event: 'FAIL',
        version,
        at: now,
        attempt,
        runAt: outcome.runAt,
        error: outcome.error,
      };
    case 'dead':
      return {
        id,
        from: 'running',
        to: 'dead',
        event: 'FAIL',
        version,
        at: now,
        attempt,
        error: outcome.error,
      };
    case 'succeeded':
      return {
        id,
        from: 'running',
        to: 'succeeded',
        event: 'SUCCEED',
        version,
        at: now,
        attempt,
        resultJson: outcome.resultJson,
        viaFallback: outcome.viaFallback,
        error: outcome.error,
      };
    case 'cancelled':
      return { id, from: 'running', to: 'cancelled', event: 'CANCEL', version, at: now, attempt };
  }
}

/** The status change that records a stall: the attempt of a job left `running` by a dead process. */
function stallChange(
  job: Job,
  to: 'retrying' | 'dead',
  now: number,
  runAt?: number,
): StatusChange & { readonly error: SerializedError } {
  return {
    id: job.id,
    from: 'running',
    to,
    event: 'STALL',
    version: job.version,
    at: now,
    attempt: job.attempt,
    error: serializeError(new StalledJobError(job.id)),
    ...(runAt === undefined ? {} : { runAt }),
  };
}

/** The error for writes the database refused: a `DatabaseError` unless Warden's own already. */
function refusedWrite(thrown: unknown, writes: number): Error {
  const cause = coerceError(thrown);
  if (WardenError.is(cause)) return cause;
  return new DatabaseError(
    'DATABASE_WRITE_FAILED',
    `the database refused ${writes === 1 ? 'a write' : `a group commit of ${writes} writes`} (${cause.message}); it was rolled back and nothing in it was stored`,
    { cause },
  );
}

/**
 * This process's mark on the stalled last attempts it adopts: a mark by another process means
 * that process began the fallback and died; one by this process, that a restart of the job
 * runner (or a stop) gave the fallback up unfinished.
 */
const adopterToken = randomUUID();

/** Stalled last attempts adopted in one group commit: their runs, and every job settled. */
interface Adoption {
  readonly jobs: { readonly job: Job; readonly definition: ResolvedJobDefinition }[];
  readonly settled: Set<string>;
}

/** Options of the scheduler. */
export interface JobSchedulerOptions {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  readonly concurrency: number;
  readonly definitions: ReadonlyMap<string, ResolvedJobDefinition>;
  /** The breaker that admits jobs of `type`, for types that declare one. */
  readonly gate?: (type: string) => CallGate | undefined;
  /** The pool named `name`, for `ctx.acquire` and `ctx.use` in handlers. */
  readonly pool?: (name: string) => Pool<unknown> | undefined;
}

type SchedulerState = 'idle' | 'running' | 'failed' | 'stopping' | 'stopped';

/** Group commits that may fail in a row (retried with backoff) before the job runner gives up. */
export const commitFailuresBeforeExit = 5;

/** The events after which a job never changes on its own: `waitForJob` settles on them. */
const terminalEvents: ReadonlySet<WardenEvent['type']> = new Set([
  'job.succeeded',
  'job.cancelled',
  'job.dead',
]);

const promoteBatch = 5000;
const readyBatch = 512;
const fallbackBackoff = resolveBackoff('backoff', defaultJobOptions.backoff);

/**
 * The job runtime: a write queue group-committed once per event-loop turn, a pump that promotes
 * due jobs and claims queued ones in the same transaction, and the live runs of in-flight jobs.
 */
export class JobScheduler implements JobRunHost {
  readonly clock: Clock;
  readonly logger: Logger;
  private readonly store: Store;
  private readonly bus: EventBus;
  private state: SchedulerState = 'idle';
  private ops: WriteOp[] = [];
  private flushQueued = false;
  private readonly inFlight = new Map<string, JobRun>();
  private readonly runningByType = new Map<string, number>();
  private readonly waiters = new Map<string, Deferred<Job>[]>();
  /** Queued jobs' ids, best first, read ahead from the database (consumed entries are undefined). */
  private ready: ({ readonly id: string; readonly type: string } | undefined)[] = [];
  /** The last read-ahead was full, so more queued jobs may lie beyond the cache. */
  private readyFull = false;
  /** Something may have queued a job that belongs before or among the cached ones. */
  private readyStale = true;
  /** True when the earliest due time may have changed. */
  private dueDirty = true;
  private nextDue: number | undefined;
  private dueTimer: { handle: TimerHandle; at: number } | undefined;
  private retryTimer: TimerHandle | undefined;
  private failedBatches = 0;
  /**
   * Stalled last attempts whose type has a fallback, found at start-up: each is adopted (its
   * fallback run here) once a slot is free, in a group commit, like a claim.
   */
  private awaitingFallback: Job[] = [];
  /** Runs of adopted fallbacks, whose marks a stop releases if they are given up unfinished. */
  private readonly adoptedRuns = new Set<JobRun>();
  /** Marks to release in the next group commit. */
  private marksToRelease: JobRun[] = [];
  /** False once a stop has begun, even before this runner's turn to stop comes. */
  private claiming = true;
  /**
   * Told when group commits keep failing: the scheduler has then given up its running jobs and
   * refuses writes until `start()` runs again (its supervisor restarts it).
   */
  onFailure: ((error: Error) => void) | undefined;
  /** Why the last group commit failed, while run outcomes wait to be retried. */
  private writeFailure: DatabaseError | undefined;
  /** Called when the last running job is released during a graceful stop. */
  private drained: (() => void) | undefined;

  constructor(private readonly options: JobSchedulerOptions) {
    this.clock = options.clock;
    this.logger = options.logger;
    this.store = options.store;
    this.bus = options.bus;
  }

  random(): number {
    return this.options.random();
  }

  pool(name: string): Pool<unknown> | undefined {
    return this.options.pool?.(name);
  }

  /**
   * Set while the database refuses group commits that carry job outcomes Warden must still store
   * (they are retried with backoff); undefined once a commit succeeds again.
   */
  get failure(): DatabaseError | undefined {
    return this.writeFailure;
  }

  /** Jobs running in this process right now. */
  get running(): number {
    return this.inFlight.size;
  }

  /** Recovers jobs left running by a dead process, then starts pumping. */
  start(): void {
    this.recoverStalled();
    // failedBatches is not reset: after a restart, one more failed commit in a row exits at once,
    // so a database that keeps refusing spends the supervisor's restart budget quickly.
    this.claiming = true;
    this.state = 'running';
    this.readyStale = true;
    this.dueDirty = true;
    this.schedule();
  }

  /** Takes no more work: running jobs go on, and their outcomes are still written. */
  stopClaiming(): void {
    this.claiming = false;
    this.clearDueTimer();
  }

  /** Marks work as possibly available, e.g. after a job type is defined. */
  poke(): void {
    this.readyStale = true;
    this.schedule();
  }

  insert(jobs: readonly NewJob[]): Promise<Job[]> {
    return new Promise((resolve, reject) => {
      this.push({ kind: 'insert', jobs, deferred: { resolve, reject } });
    });
  }

  cancel(id: string): Promise<Job> {
    const run = this.inFlight.get(id);
    if (run !== undefined) {
      const committed = run.cancel();
      if (committed !== undefined) return committed.then(() => this.mustGet(id));
    }
    return this.command(id, 'CANCEL');
  }

  replay(id: string): Promise<Job> {
    return this.command(id, 'REPLAY');
  }

  /** Resolves once the job reaches `succeeded`, `cancelled` or `dead`. */
  wait(id: string, signal?: AbortSignal): Promise<Job> {
    if (signal?.aborted === true) return Promise.reject(coerceError(signal.reason));
    const job = this.store.getJob(id);
    if (job === undefined) return Promise.reject(new JobNotFoundError(id));
    if (terminalJobStatuses.has(job.status)) return Promise.resolve(job);
    return new Promise((resolve, reject) => {
      const release = holdProcessOpen();
      const onAbort = (): void => {
        const list = this.waiters.get(id);
        const index = list?.indexOf(waiter) ?? -1;
        if (list !== undefined && index >= 0) list.splice(index, 1);
        if (list?.length === 0) this.waiters.delete(id);
        waiter.reject(coerceError(signal?.reason));
      };
      const done = (): void => {
        release();
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Deferred<Job> = {
        resolve: (value) => {
          done();
          resolve(value);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const list = this.waiters.get(id) ?? [];
      list.push(waiter);
      this.waiters.set(id, list);
    });
  }

  /** Stops claiming, waits up to `graceMs` for running jobs, abandons the rest, commits, and ends. */
  async stop(graceMs: number): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    this.clearDueTimer();
    if (this.inFlight.size > 0 && graceMs > 0) {
      // Whoever awaits stop() sees it through: the grace timer alone is unref'd.
      const release = holdProcessOpen();
      await new Promise<void>((resolve) => {
        const timer = this.clock.setTimeout(() => {
          this.drained = undefined;
          resolve();
        }, graceMs);
        this.drained = () => {
          this.clock.clearTimeout(timer);
          resolve();
        };
      });
      release();
    }
    // Adopted fallbacks given up unfinished, not lost with this process: the next start runs them.
    this.marksToRelease.push(...this.abandonInFlight());
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.flushNow();
    this.state = 'stopped';
    // A last commit that failed leaves nothing to retry: those writes are not stored.
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.rejectPending(new NotRunningError('store the write', 'stopped'));
    const stopped = new NotRunningError('wait for the job', 'stopped');
    for (const list of this.waiters.values()) for (const waiter of list) waiter.reject(stopped);
    this.waiters.clear();
  }

  // --- JobRunHost ---------------------------------------------------------------------------

  finish(run: JobRun, outcome: RunOutcome, deferred?: Deferred<void>): void {
    this.release(run);
    this.push({ kind: 'finish', run, outcome, deferred });
  }

  progress(run: JobRun): void {
    if (run.progressQueued) return;
    run.progressQueued = true;
    this.push({ kind: 'progress', run });
  }

  checkpoint(run: JobRun, json: string): Promise<void> {
    if (!run.active) {
      return Promise.reject(
        new InvalidTransitionError(`job ${run.id}`, run.status, 'save a checkpoint'),
      );
    }
    return new Promise((resolve, reject) => {
      this.push({ kind: 'checkpoint', run, json, deferred: { resolve, reject } });
    });
  }

  actorError(run: JobRun, error: unknown): void {
    this.logger.error(
      { err: error, jobId: run.id },
      'job actor failed; the job is left for recovery',
    );
  }

  // --- write queue --------------------------------------------------------------------------

  private command(id: string, event: 'CANCEL' | 'REPLAY'): Promise<Job> {
    return new Promise((resolve, reject) => {
      this.push({ kind: 'command', id, event, deferred: { resolve, reject } });
    });
  }

  private mustGet(id: string): Job {
    const job = this.store.getJob(id);
    if (job === undefined) throw new JobNotFoundError(id);
    return job;
  }

  private push(op: WriteOp): void {
    if (this.state === 'failed' || this.state === 'stopped') {
      // Nothing will commit (until a restart): refuse at once rather than leave a promise pending.
      const refusal =
        (this.state === 'failed' ? this.writeFailure : undefined) ??
        new NotRunningError('write', this.state);
      if (op.kind !== 'progress') op.deferred?.reject(refusal);
      return;
    }
    this.ops.push(op);
    this.schedule();
  }

  private schedule(): void {
    if (
      this.flushQueued ||
      this.state === 'stopped' ||
      this.state === 'idle' ||
      this.state === 'failed'
    ) {
      return;
    }
    this.flushQueued = true;
    setImmediate(() => {
      this.flushNow();
    });
  }

  /** Counts a run as in flight; `release` undoes it. */
  private track(run: JobRun): JobRun {
    this.inFlight.set(run.id, run);
    this.runningByType.set(run.type, (this.runningByType.get(run.type) ?? 0) + 1);
    return run;
  }

  private release(run: JobRun): void {
    if (this.inFlight.get(run.id) !== run) return;
    this.adoptedRuns.delete(run);
    this.inFlight.delete(run.id);
    this.runningByType.set(run.type, (this.runningByType.get(run.type) ?? 1) - 1);
    if (this.inFlight.size === 0) this.drained?.();
  }

  /** One group commit: apply every queued write, promote due jobs, claim work; then publish. */
  private flushNow(): void {
    this.flushQueued = false;
    if (this.state === 'stopped' || this.state === 'failed') return;
    const ops = this.ops;
    this.ops = [];
    const events: WardenEvent[] = [];
    const settle: (() => void)[] = [];
    let claimed: ReturnType<Store['claim']> = [];
    let adopted: Adoption = { jobs: [], settled: new Set() };
    const now = this.clock.now();
    try {
      this.store.transaction(() => {
        for (const run of this.marksToRelease) {
          this.store.releaseFallback(run.id, run.version, adopterToken);
        }
        // Consecutive run outcomes share one UPDATE; any other write keeps its place in order.
        let finishes: FinishOp[] = [];
        for (const op of ops) {
          if (op.kind === 'finish') {
            finishes.push(op);
            continue;
          }
          this.applyFinishes(finishes, now, events, settle);
          finishes = [];
          this.applyIsolated(op, now, events, settle);
        }
        this.applyFinishes(finishes, now, events, settle);
        if (this.state === 'running' && this.claiming) {
          this.promote(now, events);
          adopted = this.adopt(now, events);
          claimed = this.claim(
            now,
            events,
            adopted.jobs.map(({ job }) => job.type),
          );
        }
      });
    } catch (error) {
      this.batchFailed(ops, error);
      return;
    }
    this.failedBatches = 0;
    this.writeFailure = undefined;
    this.marksToRelease = [];
    const runs: JobRun[] = [];
    for (const job of claimed) {
      const definition = this.options.definitions.get(job.type);
      if (definition === undefined) continue;
      const gate = definition.breaker === undefined ? undefined : this.options.gate?.(job.type);
      runs.push(this.track(new JobRun(this, definition, job, gate?.acquire())));
    }
    if (adopted.settled.size > 0) {
      this.awaitingFallback = this.awaitingFallback.filter((job) => !adopted.settled.has(job.id));
    }
    const fallbacks: JobRun[] = [];
    for (const { job, definition } of adopted.jobs) {
      // (created after the commit that marked it; see adopt())
      const run = new JobRun(this, definition, {
        id: job.id,
        type: job.type,
        payloadJson: JSON.stringify(job.payload),
        attempt: job.attempt,
        maxAttempts: job.maxAttempts,
        version: job.version,
        checkpointJson: job.checkpoint === null ? null : JSON.stringify(job.checkpoint),
      });
      this.adoptedRuns.add(this.track(run));
      fallbacks.push(run);
    }
    for (const done of settle) done();
    for (const event of events) this.publish(event);
    // An event listener may have cancelled a run meanwhile: it does not start.
    for (const run of fallbacks) {
      if (this.inFlight.get(run.id) === run) run.startFallback(new StalledJobError(run.id));
    }
    for (const run of runs) if (this.inFlight.get(run.id) === run) run.start();
    if (this.dueDirty) {
      this.dueDirty = false;
      this.nextDue = this.store.nextDueAt();
    }
    this.armDueTimer();
  }

  private publish(event: WardenEvent): void {
    this.bus.emit(event);
    if (this.waiters.size > 0 && terminalEvents.has(event.type)) {
      const list = this.waiters.get(event.jobId);
      if (list !== undefined) {
        this.waiters.delete(event.jobId);
        const job = this.store.getJob(event.jobId);
        for (const waiter of list) {
          if (job === undefined) waiter.reject(new JobNotFoundError(event.jobId));
          else waiter.resolve(job);
        }
      }
    }
  }

  /**
   * Applies a caller's write so that if the database refuses it, only that caller is told and
   * only its writes are undone; the rest of the group commit goes ahead.
   */
  private applyIsolated(
    op: Exclude<WriteOp, FinishOp>,
    now: number,
    events: WardenEvent[],
    settle: (() => void)[],
  ): void {
    const eventMark = events.length;
    const settleMark = settle.length;
    try {
      this.store.isolated(() => {
        this.apply(op, now, events, settle);
      });
    } catch (thrown) {
      if (thrown instanceof TransactionLostError) throw coerceError(thrown.cause);
      events.length = eventMark;
      settle.length = settleMark;
      if (op.kind === 'progress') return;
      const error = refusedWrite(thrown, 1);
      this.logger.warn({ err: error, kind: op.kind }, 'the database refused a write');
      settle.push(() => {
        op.deferred.reject(error);
      });
    }
  }

  /** Applies one write other than a run outcome (those are batched by `applyFinishes`). */
  private apply(
    op: Exclude<WriteOp, FinishOp>,
    now: number,
    events: WardenEvent[],
    settle: (() => void)[],
  ): void {
    switch (op.kind) {
      case 'insert': {
        const jobs: Job[] = [];
        for (const input of op.jobs) {
          const { job, created } = this.store.insertJob({ ...input, at: now });
          jobs.push(job);
          if (!created) continue;
          if (job.status === 'scheduled') {
            this.dueDirty = true;
            events.push({
              type: 'job.scheduled',
              jobId: job.id,
              jobType: job.type,
              at: now,
              attempt: 0,
              runAt: job.runAt,
            });
          } else {
            this.readyStale = true;
            events.push({
              type: 'job.queued',
              jobId: job.id,
              jobType: job.type,
              at: now,
              attempt: 0,
            });
          }
        }
        settle.push(() => op.deferred.resolve(jobs));
        return;
      }
      case 'progress': {
        const { run } = op;
        run.progressQueued = false;
        const progress = run.progressValue;
        if (progress === undefined) return;
        if (this.store.saveProgress(run.id, run.version, JSON.stringify(progress), now)) {
          events.push({
            type: 'job.progress',
            jobId: run.id,
            jobType: run.type,
            at: now,
            attempt: run.attempt,
            progress,
          });
        }
        return;
      }
      case 'checkpoint': {
        const { run, deferred } = op;
        if (this.store.saveCheckpoint(run.id, run.version, op.json, now)) {
          settle.push(() => deferred.resolve());
        } else {
          const error = new InvalidTransitionError(
            `job ${run.id}`,
            run.status,
            'save a checkpoint',
          );
          settle.push(() => deferred.reject(error));
        }
        return;
      }
      case 'command':
        this.applyCommand(op, now, events, settle);
        return;
    }
  }

  private applyFinishes(
    ops: readonly FinishOp[],
    now: number,
    events: WardenEvent[],
    settle: (() => void)[],
  ): void {
    if (ops.length === 0) return;
    const changes = new Array<StatusChange>(ops.length);
    for (let index = 0; index < ops.length; index++) {
      const { run, outcome } = ops[index] as FinishOp;
      changes[index] = outcomeChange(run, outcome, now);
    }
    const results = this.store.changeStatusMany(changes);
    for (let index = 0; index < ops.length; index++) {
      const { run, outcome, deferred } = ops[index] as FinishOp;
      const result = results[index];
      if (typeof result !== 'number') {
        // A lost race (the row moved on without this run): refused, reported, never overwritten.
        const error = result ?? new Error('no result for a status change');
        this.logger.warn({ err: error, jobId: run.id }, 'a job outcome was refused');
        if (deferred !== undefined) settle.push(() => deferred.reject(error));
        continue;
      }
      this.outcomeCommitted(run, outcome, now, events);
      if (deferred !== undefined) settle.push(() => deferred.resolve());
    }
  }

  private outcomeCommitted(
    run: JobRun,
    outcome: RunOutcome,
    now: number,
    events: WardenEvent[],
  ): void {
    const { id: jobId, type: jobType, attempt } = run;
    switch (outcome.to) {
      case 'succeeded':
        events.push({
          type: 'job.succeeded',
          jobId,
          jobType,
          at: now,
          attempt,
          viaFallback: outcome.viaFallback,
        });
        break;
      case 'retrying':
        this.dueDirty = true;
        events.push({
          type: 'job.retrying',
          jobId,
          jobType,
          at: now,
          attempt,
          error: outcome.error,
          runAt: outcome.runAt,
        });
        break;
      case 'dead':
        events.push({ type: 'job.dead', jobId, jobType, at: now, attempt, error: outcome.error });
        break;
      case 'cancelled':
        events.push({ type: 'job.cancelled', jobId, jobType, at: now, attempt });
        break;
    }
  }

  private applyCommand(
    op: Extract<WriteOp, { kind: 'command' }>,
    now: number,
    events: WardenEvent[],
    settle: (() => void)[],
  ): void {
    const { id, event, deferred } = op;
    const run = this.inFlight.get(id);
    if (run !== undefined && event === 'CANCEL') {
      const committed = run.cancel();
      if (committed !== undefined) {
        settle.push(() => {
          committed.then(
            () => deferred.resolve(this.mustGet(id)),
            (error: unknown) => deferred.reject(coerceError(error)),
          );
        });
        return;
      }
    }
    const job = this.store.getJob(id);
    if (job === undefined) {
      settle.push(() => deferred.reject(new JobNotFoundError(id)));
      return;
    }
    const to = nextJobStatus(
      job.status,
      { attempt: job.attempt, maxAttempts: job.maxAttempts },
      { type: event },
    );
    if (to === undefined) {
      const error = new InvalidTransitionError(
        `job ${id}`,
        job.status,
        event === 'CANCEL' ? 'cancel it' : 'retry it',
      );
      settle.push(() => deferred.reject(error));
      return;
    }
    this.store.changeStatus({
      id,
      from: job.status,
      to,
      event,
      version: job.version,
      at: now,
      attempt: event === 'REPLAY' ? 0 : job.attempt,
    });
    const base = {
      jobId: id,
      jobType: job.type,
      at: now,
      attempt: event === 'REPLAY' ? 0 : job.attempt,
    };
    if (to === 'queued') {
      this.readyStale = true;
      events.push({ type: 'job.queued', ...base });
    } else {
      if (job.status === 'scheduled' || job.status === 'retrying') this.dueDirty = true;
      events.push({ type: 'job.cancelled', ...base });
    }
    const replayed = this.mustGet(id);
    settle.push(() => deferred.resolve(replayed));
  }

  private promote(now: number, events: WardenEvent[]): void {
    if (this.nextDue === undefined || this.nextDue > now) return;
    const changes = this.store.promoteDue(now, promoteBatch);
    if (changes.length === 0) {
      this.dueDirty = true;
      return;
    }
    this.readyStale = true;
    this.dueDirty = true;
    for (const job of changes) {
      events.push({
        type: 'job.queued',
        jobId: job.id,
        jobType: job.type,
        at: now,
        attempt: job.attempt,
      });
    }
    if (changes.length === promoteBatch) this.schedule();
  }

  /**
   * Adopts stalled last attempts for their fallbacks, as slots allow: the mark commits with this
   * batch, and the fallbacks start after it. One whose fallback an earlier start had already
   * begun died with that process too: it is dead.
   */
  private adopt(now: number, events: WardenEvent[]): Adoption {
    const adoption: Adoption = { jobs: [], settled: new Set() };
    if (this.awaitingFallback.length === 0) return adoption;
    let free = this.options.concurrency - this.inFlight.size;
    const taken = new Map<string, number>();
    for (const job of this.awaitingFallback) {
      const definition = this.options.definitions.get(job.type);
      if (definition === undefined) continue;
      if (free <= 0) break;
      const used = (this.runningByType.get(job.type) ?? 0) + (taken.get(job.type) ?? 0);
      if (used >= definition.concurrency) continue;
      const base = { jobId: job.id, jobType: job.type, at: now, attempt: job.attempt };
      adoption.settled.add(job.id);
      events.push({ type: 'job.stalled', ...base });
      if (this.store.adoptForFallback(job.id, job.version, adopterToken)) {
        free--;
        taken.set(job.type, (taken.get(job.type) ?? 0) + 1);
        adoption.jobs.push({ job, definition });
        continue;
      }
      // Not adopted: either another process had begun its fallback and died too, or the row has
      // moved on meanwhile (cancelled, say), which this change then leaves alone.
      const change = stallChange(job, 'dead', now);
      const [result] = this.store.changeStatusMany([change]);
      if (typeof result === 'number') {
        events.push({ type: 'job.dead', ...base, error: change.error });
      } else events.pop(); // no stall to report for a job that had moved on
    }
    return adoption;
  }

  /** Reloads the cache of queued candidates, best first. */
  private refill(types: readonly string[]): void {
    this.ready = types.length === 0 ? [] : [...this.store.queuedCandidates(types, readyBatch)];
    this.readyFull = this.ready.length === readyBatch;
    this.readyStale = false;
  }

  private claim(
    now: number,
    events: WardenEvent[],
    adoptedTypes: readonly string[],
  ): ReturnType<Store['claim']> {
    let free = this.options.concurrency - this.inFlight.size - adoptedTypes.length;
    if (free <= 0) return [];
    const definitions = this.options.definitions;
    if (this.readyStale) this.refill([...definitions.keys()]);
    const taken = new Map<string, number>();
    for (const type of adoptedTypes) taken.set(type, (taken.get(type) ?? 0) + 1);
    const picks: string[] = [];
    // Jobs of a type whose breaker is open wait; half-open admits only its free trial calls.
    // Counted per breaker, so that types sharing one share its trial calls.
    const admitted = new Map<CallGate, number>();
    const gateRoom = (type: string): number => {
      const gate = this.options.gate?.(type);
      if (gate === undefined) return Number.POSITIVE_INFINITY;
      let room = admitted.get(gate);
      if (room === undefined) {
        room = gate.available();
        admitted.set(gate, room);
      }
      return room;
    };
    const takeRoom = (type: string): void => {
      const gate = this.options.gate?.(type);
      if (gate !== undefined) admitted.set(gate, gateRoom(type) - 1);
    };
    const usedOf = (type: string): number =>
      (this.runningByType.get(type) ?? 0) + (taken.get(type) ?? 0);
    const hasRoom = (type: string, limit: number): boolean =>
      usedOf(type) < limit && gateRoom(type) > 0;
    const pick = (): void => {
      let consumed = 0;
      for (let i = 0; i < this.ready.length && free > 0; i++) {
        const candidate = this.ready[i];
        if (candidate === undefined) continue;
        const limit = definitions.get(candidate.type)?.concurrency ?? 0;
        if (!hasRoom(candidate.type, limit)) continue;
        picks.push(candidate.id);
        takeRoom(candidate.type);
        taken.set(candidate.type, (taken.get(candidate.type) ?? 0) + 1);
        this.ready[i] = undefined;
        consumed = i + 1;
        free--;
      }
      // Drop the consumed prefix so later scans start at the first live candidate.
      let head = 0;
      while (head < consumed && this.ready[head] === undefined) head++;
      if (head > 0) this.ready = this.ready.slice(head);
    };
    pick();
    if (free > 0 && this.readyFull) {
      // The cache held only jobs of saturated types; look past them in the database.
      const open = [...definitions.values()]
        .filter((d) => hasRoom(d.type, d.concurrency))
        .map((d) => d.type);
      this.refill(open);
      for (const id of picks) {
        const index = this.ready.findIndex((candidate) => candidate?.id === id);
        if (index >= 0) this.ready[index] = undefined;
      }
      pick();
      this.readyStale = true;
    }
    if (picks.length === 0) return [];
    const claimed = this.store.claim(picks, now);
    if (claimed.length < picks.length) {
      // Some cached candidates had left `queued` (cancelled, say): look again after this commit.
      this.readyStale = true;
      this.schedule();
    }
    for (const job of claimed) {
      events.push({
        type: 'job.started',
        jobId: job.id,
        jobType: job.type,
        at: now,
        attempt: job.attempt,
      });
    }
    return claimed;
  }

  /** A whole batch rolled back: user writes fail; a run's own writes are retried with backoff. */
  private batchFailed(ops: WriteOp[], thrown: unknown): void {
    this.failedBatches++;
    // The claim step consumed read-ahead candidates that the rollback left queued: reload them.
    this.readyStale = true;
    const error = refusedWrite(thrown, ops.length);
    this.logger.error({ err: error, ops: ops.length }, 'a group commit failed and was rolled back');
    const retry: WriteOp[] = [];
    for (const op of ops) {
      if (op.kind === 'finish' || op.kind === 'progress') retry.push(op);
      else op.deferred.reject(error);
    }
    // Callers' own refused writes are isolated (savepoints), so a failed commit means the
    // database itself is failing: report it until a commit succeeds.
    this.writeFailure =
      error instanceof DatabaseError
        ? error
        : new DatabaseError(
            'DATABASE_WRITE_FAILED',
            `the database refused a group commit: ${error.message}`,
            { cause: error },
          );
    this.ops = [...retry, ...this.ops];
    if (
      this.failedBatches >= commitFailuresBeforeExit &&
      this.state === 'running' &&
      this.onFailure !== undefined
    ) {
      this.fail(this.writeFailure); // rejects every pending write, the retried ones included
      return;
    }
    // Retry the run outcomes, and the claims and promotions the rollback undid.
    if (retry.length === 0 && this.state !== 'running') return;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    const delay = Math.min(5000, 50 * 2 ** Math.min(this.failedBatches, 10));
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.schedule();
    }, delay);
  }

  /** Abandons every run in flight (their rows stay `running`); returns the adopted fallbacks. */
  private abandonInFlight(): JobRun[] {
    const adopted: JobRun[] = [];
    for (const run of [...this.inFlight.values()]) {
      if (this.adoptedRuns.has(run)) adopted.push(run);
      run.abandon();
      this.release(run);
    }
    return adopted;
  }

  /** Drops every queued write, rejecting its caller with `error`. */
  private rejectPending(error: Error): void {
    const pending = this.ops;
    this.ops = [];
    for (const op of pending) if (op.kind !== 'progress') op.deferred?.reject(error);
  }

  /** Gives up after repeated failed commits: running jobs are left for recovery at restart. */
  private fail(error: DatabaseError): void {
    this.state = 'failed';
    this.clearDueTimer();
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.abandonInFlight(); // a restart in this process adopts its fallbacks again
    this.rejectPending(error);
    this.logger.error(
      { err: error, failures: this.failedBatches },
      'group commits keep failing: the job runner gives up its running jobs and exits',
    );
    this.onFailure?.(error);
  }

  private armDueTimer(): void {
    if (this.state !== 'running' || this.nextDue === undefined) {
      this.clearDueTimer();
      return;
    }
    if (this.dueTimer !== undefined && this.dueTimer.at === this.nextDue) return;
    this.clearDueTimer();
    const at = this.nextDue;
    this.dueTimer = {
      at,
      // Node fires a longer timer at once, so a far-off due time is reached in capped steps.
      handle: this.clock.setTimeout(
        () => {
          this.dueTimer = undefined;
          this.schedule();
        },
        Math.min(at - this.clock.now(), maxTimerMs),
      ),
    };
  }

  private clearDueTimer(): void {
    if (this.dueTimer !== undefined) this.clock.clearTimeout(this.dueTimer.handle);
    this.dueTimer = undefined;
  }

  /** Jobs left `running` belong to a process that died: each counts its attempt, then retries or dies. */
  private recoverStalled(): void {
    const now = this.clock.now();
    const events: WardenEvent[] = [];
    this.awaitingFallback = [];
    this.store.transaction(() => {
      for (const job of this.store.runningJobs()) {
        const context = { attempt: job.attempt, maxAttempts: job.maxAttempts };
        const to = nextJobStatus('running', context, { type: 'STALL' });
        if (to !== 'retrying' && to !== 'dead') continue;
        const definition = this.options.definitions.get(job.type);
        if (to === 'dead' && definition?.fallback !== undefined) {
          // Its last attempt failed by dying with its process: its fallback is to run, as it
          // would have in that process. It stays `running` until adopted (see adopt()).
          this.awaitingFallback.push(job);
          continue;
        }
        const backoff = definition?.backoff ?? fallbackBackoff;
        const runAt = now + backoffDelay(backoff, job.attempt, this.random());
        const change = stallChange(job, to, now, to === 'retrying' ? runAt : undefined);
        this.store.changeStatus(change);
        const error = change.error;
        const base = { jobId: job.id, jobType: job.type, at: now, attempt: job.attempt };
        events.push({ type: 'job.stalled', ...base });
        events.push(
          to === 'retrying'
            ? { type: 'job.retrying', ...base, error, runAt }
            : { type: 'job.dead', ...base, error },
        );
      }
    });
    for (const event of events) this.publish(event);
  }
}

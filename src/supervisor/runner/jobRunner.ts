import type { Pool } from '../../actors/pool.js';
import { JobRun, type Deferred, type JobRunHost, type RunOutcome } from '../../actors/jobRun.js';
import { holdProcessOpen, type Clock } from '../../clock.js';
import {
  DatabaseError,
  InvalidTransitionError,
  JobNotFoundError,
  NotRunningError,
  type InternalError,
} from '../../errors.js';
import type { JobEvent } from '../../events/types.js';
import type { Logger } from '../../observability/logger.js';
import type { BatchResult, Job, NewJob, Store } from '../../persistence/Store.js';
import { resolveBackoff } from '../../policies/backoff.js';
import { defaultJobOptions } from '../../actors/jobDefinition.js';
import { ClaimBuffer } from './claimBuffer.js';
import { DueTimer } from './dueTimer.js';
import { recoverUnfinished } from './stallRecovery.js';
import { Waiters } from './waiters.js';
import { CommitFailures } from './commitFailures.js';
import { CommitLatency } from '../../observability/healthWindows.js';
import { FallbackAdoptions } from './fallbacks.js';
import { InFlight } from './inFlight.js';
import { startClaimed } from './slots.js';
import type { BatchPlan, WriteOp } from './batchPlan.js';
import type { JobRunnerOptions, RunnerStates } from './runnerOptions.js';

export type { JobRunnerOptions } from './runnerOptions.js';
import { WriteQueue, type WriteQueueHost } from './writeQueue.js';

type RunnerState = 'idle' | 'running' | 'failed' | 'stopping' | 'stopped';

const promoteBatch = 5000;
const fallbackBackoff = resolveBackoff('backoff', defaultJobOptions.backoff);

/**
 * The job runtime: writes group-committed through the store (pipelined, a batch in flight while
 * the next is built), jobs claimed ahead of free slots, and the live runs of in-flight jobs. A
 * slot that frees starts the best claimed job at once; its `running` write rides on the next
 * commit.
 */
export class JobRunner implements JobRunHost, WriteQueueHost {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxStalls: number;
  readonly states: RunnerStates | undefined;
  readonly store: Store;
  readonly owner: string;
  private state: RunnerState = 'idle';
  private readonly writes: WriteQueue;
  private readonly runs: InFlight;
  private readonly waiters: Waiters;
  private readonly buffer: ClaimBuffer;
  private readonly due: DueTimer;
  /** Types whose queue the last claim found drained (nothing queued since): not asked again. */
  private readonly drained = new Set<string>();
  readonly failures: CommitFailures;
  readonly commitLatency = new CommitLatency();
  private readonly fallbacks: FallbackAdoptions;
  private claiming = true;
  /** Told when group commits keep failing: the runner then refuses writes until it starts again. */
  onFailure: ((error: Error) => void) | undefined;

  constructor(private readonly options: JobRunnerOptions) {
    this.clock = options.clock;
    this.logger = options.logger;
    this.store = options.store;
    this.owner = options.owner;
    this.maxStalls = options.maxStalls;
    this.states = options.states;
    this.runs = new InFlight(options.states);
    this.buffer = new ClaimBuffer({
      concurrency: options.concurrency,
      claimDepth: options.claimDepth,
      definitions: options.definitions,
      running: () => this.runs.size + this.fallbacks.adopting,
      runningOf: (type) => this.runs.of(type),
      gate: (type) => options.gate?.(type),
      ...(options.paused === undefined ? {} : { paused: options.paused }),
    });
    this.waiters = new Waiters(options.store);
    this.failures = new CommitFailures(options.clock);
    this.writes = new WriteQueue(this);
    this.fallbacks = new FallbackAdoptions(this, {
      concurrency: options.concurrency,
      definitions: options.definitions,
      running: () => this.runs.size,
      runningOf: (type) => this.runs.of(type),
      active: () => this.state === 'running' && this.claiming,
      queue: (op) => {
        this.push(op);
      },
      publish: (event) => {
        this.publish(event);
      },
      track: (run) => this.runs.add(run),
    });
    this.due = new DueTimer(options.clock, () => {
      this.schedule();
    });
  }

  random(): number {
    return this.options.random();
  }

  pool(name: string): Pool<unknown> | undefined {
    return this.options.pool?.(name);
  }

  /** Set while group commits that carry job outcomes fail (they are retried with backoff). */
  get failure(): DatabaseError | undefined {
    return this.failures.error;
  }

  /** Jobs running in this process right now. */
  get running(): number {
    return this.runs.size;
  }

  /** Recovers jobs a dead process left `running` or `claimed`, then starts claiming. */
  async start(): Promise<void> {
    this.state = 'running';
    this.claiming = true;
    const found = await this.store.unfinishedJobs();
    const recovery = recoverUnfinished(found, {
      now: this.clock.now(),
      maxStalls: this.maxStalls,
      definitions: this.options.definitions,
      defaultBackoff: fallbackBackoff,
      random: () => this.random(),
    });
    this.fallbacks.reset(recovery.awaitingFallback);
    for (const { change, events } of recovery.changes)
      this.push({ kind: 'change', change, events });
    this.drained.clear();
    this.writes.wanted = true;
    // Started once the recovery is stored: a start after a crash resolves with it done.
    this.writes.flush();
    await this.writes.idle();
  }

  /** Takes no more work: running jobs go on, and their outcomes are still written. */
  stopClaiming(): void {
    this.claiming = false;
    this.due.clear();
    this.releaseClaims();
  }

  /** Gives claimed, unstarted jobs of a type just paused back to the queue (no attempt spent). */
  paused(type: string): void {
    for (const job of this.buffer.drain((held) => held.type === type)) {
      this.push({ kind: 'release', job });
    }
  }

  /** Marks work as possibly available, e.g. after a job type is defined or resumed. */
  poke(): void {
    this.drained.clear();
    this.schedule();
  }

  insert(jobs: readonly NewJob[]): Promise<Job[]> {
    return new Promise((resolve, reject) => {
      this.push({ kind: 'insert', jobs, deferred: { resolve, reject } });
    });
  }

  cancel(id: string): Promise<Job> {
    const run = this.runs.get(id);
    if (run !== undefined) {
      const committed = run.cancel();
      if (committed !== undefined) return committed.then(() => this.mustGet(id));
    }
    // A job claimed here and not started: cancelled at once, never started.
    this.buffer.remove(id);
    return this.command(id, 'CANCEL');
  }

  replay(id: string): Promise<Job> {
    return this.command(id, 'REPLAY');
  }

  /** Resolves once the job reaches `succeeded`, `cancelled` or `dead`. */
  wait(id: string, signal?: AbortSignal): Promise<Job> {
    return this.waiters.wait(id, signal);
  }

  /** Stops claiming, waits up to `graceMs` for running jobs, abandons the rest, commits, and ends. */
  async stop(graceMs: number): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    this.stopClaiming();
    const release = holdProcessOpen();
    try {
      await this.runs.emptied(this.clock, graceMs);
      // Adopted fallbacks given up unfinished, not lost with this process: the next start runs them.
      for (const run of this.abandonRuns()) this.push({ kind: 'unadopt', run });
      this.releaseClaims();
      this.failures.cancelRetry();
      if (wasRunning || this.writes.length > 0) await this.writes.drain();
    } finally {
      release();
    }
    this.state = 'stopped';
    this.due.clear();
    this.failures.cancelRetry();
    this.writes.rejectPending(new NotRunningError('store the write', 'stopped'));
    this.waiters.rejectAll(new NotRunningError('wait for the job', 'stopped'));
  }

  // --- JobRunHost ---------------------------------------------------------------------------

  finish(run: JobRun, outcome: RunOutcome, deferred?: Deferred<void>): void {
    this.release(run);
    this.push({ kind: 'finish', run, outcome, deferred });
    this.fillSlots();
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

  invariant(run: JobRun, error: InternalError): void {
    // The slot is freed; the row is left as it is, for the next start's recovery.
    this.release(run);
    this.logger.error({ err: error, jobId: run.id }, 'the job runtime and its machine disagreed');
    this.fillSlots();
  }

  // --- write queue --------------------------------------------------------------------------

  private command(id: string, event: 'CANCEL' | 'REPLAY'): Promise<Job> {
    return new Promise((resolve, reject) => {
      this.push({ kind: 'command', id, event, deferred: { resolve, reject } });
    });
  }

  private async mustGet(id: string): Promise<Job> {
    const job = await this.store.getJob(id);
    if (job === undefined) throw new JobNotFoundError(id);
    return job;
  }

  private push(op: WriteOp): void {
    this.writes.push(op);
  }

  private schedule(): void {
    this.writes.schedule();
  }

  // --- WriteQueueHost ---------------------------------------------------------------------

  now(): number {
    return this.clock.now();
  }

  sending(): boolean {
    return this.state === 'running' || this.state === 'stopping';
  }

  prepare(): void {
    if (this.state === 'running' && this.claiming) this.fallbacks.adoptAsSlotsAllow();
  }

  /** Why a write is refused now, or undefined while the runner takes writes. */
  refusal(): Error | undefined {
    if (this.state === 'running' || this.state === 'stopping') return undefined;
    return (
      (this.state === 'failed' ? this.failures.error : undefined) ??
      new NotRunningError('write', this.state)
    );
  }

  /** Counts a run as in flight; `release` undoes it. */
  private release(run: JobRun): void {
    if (this.runs.delete(run)) this.fallbacks.forget(run);
  }

  /** Starts claimed jobs in every free slot, at once; their `running` writes ride on the next commit. */
  private fillSlots(): void {
    if (this.state !== 'running' || !this.claiming) return;
    startClaimed(this, this.runs, this.buffer, this.options, (op) => {
      this.push(op);
    });
    if (this.buffer.room(this.drained).limit > 0) this.schedule();
  }

  /** Gives every claimed, unstarted job back to the queue in the next commit. */
  private releaseClaims(): void {
    for (const job of this.buffer.drain()) this.push({ kind: 'release', job });
  }

  /** Adds the runner's own steps to a group commit: adoptions, promotions, a claim. */
  compose(plan: BatchPlan): (() => void) | undefined {
    const active = this.state === 'running' && this.claiming;
    if (!active) return undefined;
    if (this.due.due(plan.at)) plan.promote(promoteBatch);
    // A batch whose writes may queue jobs asks every type: its claim runs after them.
    return this.buffer.claimFor(plan, plan.queues ? undefined : this.drained);
  }

  committed(plan: BatchPlan, result: BatchResult): void {
    this.states?.committed(plan.steps, result.results);
    const applied = plan.apply(result);
    const { claimed } = applied;
    if (Object.hasOwn(result, 'nextDue')) this.due.next = result.nextDue;
    // A claim that found fewer jobs than it could take has seen the whole queue for now.
    if (applied.queuedMore) this.drained.clear();
    // The claim ran last in its batch: what it found is the news about each type it asked for.
    for (const [type, drained] of plan.claimOutcome()) {
      if (drained) this.drained.add(type);
      else this.drained.delete(type);
    }
    for (const run of applied.refusedRuns) {
      // Its row moved on without it (a lost race): refused, never overwritten; the run is over.
      if (run.active) run.abandon();
      this.release(run);
    }
    const refused = this.state === 'running' && this.claiming ? this.buffer.add(claimed) : claimed;
    for (const job of refused) this.push({ kind: 'release', job });
    const better = applied.queuedPriority;
    if (better !== undefined) {
      // Higher-priority work was queued: claims below it give way, so that it runs first.
      for (const job of this.buffer.drain((held) => held.priority < better)) {
        this.push({ kind: 'release', job });
      }
    }
    for (const done of applied.settle) done();
    for (const event of applied.events) this.publish(event);
    this.fillSlots();
    if (applied.promoted === promoteBatch || this.writes.length > 0) this.schedule();
    else if (this.buffer.room(this.drained).limit > 0) this.schedule();
    if (this.state === 'running' && this.claiming) {
      if (this.due.due(this.clock.now())) this.schedule();
      else this.due.arm();
    }
  }

  private publish(event: JobEvent): void {
    this.options.bus.emit(event);
    this.waiters.ended(event);
  }

  /** A whole batch rolled back: its run writes are retried with backoff, or the runner gives up. */
  failed(_plan: BatchPlan, error: Error, retry: WriteOp[]): void {
    this.drained.clear();
    const failure = this.failures.failed(error);
    this.writes.requeue(retry);
    if (this.failures.exhausted && this.state === 'running' && this.onFailure !== undefined) {
      this.fail(failure);
      return;
    }
    this.failures.retryLater(() => {
      this.schedule();
    });
  }

  /** Abandons every run in flight (their rows stay `running`); returns the adopted fallbacks. */
  private abandonRuns(): JobRun[] {
    const adopted: JobRun[] = [];
    for (const run of this.runs.all()) {
      if (this.fallbacks.adopted(run)) adopted.push(run);
      run.abandon();
      this.release(run);
    }
    return adopted;
  }

  /** Gives up after repeated failed commits: running jobs are left for recovery at restart. */
  private fail(error: DatabaseError): void {
    this.state = 'failed';
    this.due.clear();
    this.failures.cancelRetry();
    this.abandonRuns();
    this.buffer.drain();
    this.writes.rejectPending(error);
    this.logger.error(
      { err: error, failures: this.failures.count },
      'group commits keep failing: the job runner gives up its running jobs and exits',
    );
    this.onFailure?.(error);
  }
}

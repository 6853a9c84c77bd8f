import type { Registry } from 'prom-client';
import type { Observable } from 'rxjs';
import type { Breaker } from '../actors/breaker.js';
import type { BreakerOptions } from '../actors/breakerOptions.js';
import type { Pool } from '../actors/pool.js';
import type { PoolOptions } from '../actors/poolOptions.js';
import type { Disposable } from '../events/eventBus.js';
import type { WardenEvent, WardenEventOf, WardenEventType } from '../events/types.js';
import type { JobStatus } from '../machines/jobMachine.js';
import type {
  ActorEventRecord,
  DeadActorRecord,
  Job,
  JobFilter,
  JobHistoryEntry,
  JobPage,
  PausedTypeRecord,
  UndeliverableRecord,
} from '../persistence/Store.js';
import type { ErrorEvent, ErrorEventFilter } from '../persistence/sqlite/errorEvents.js';
import type { ChildSpec } from '../supervisor/childSpec.js';
import type { JobDefinition } from '../actors/jobDefinition.js';
import type { TreeNode } from '../supervisor/supervision.js';
import type { ActorHandle } from '../supervisor/treeApi.js';
import type { EnqueueItem, EnqueueOptions } from './enqueueChecks.js';
import type { JobType, WaitOptions } from './jobsApi.js';
import type { Health } from './lifecycle.js';
import type { ResolvedWardenOptions, StopOptions } from './wardenOptions.js';

/** A Warden instance: durable jobs run by supervised actors. Create one with `createWarden`. */
export interface Warden {
  /** The options in force, defaults applied. */
  readonly options: ResolvedWardenOptions;

  /**
   * Opens the database (creating or migrating it), then starts the supervision tree: the job
   * runner (which recovers stalled jobs) and every supervised actor, in order.
   */
  start(): Promise<void>;

  /**
   * Stops taking work, gives running jobs `graceMs` to finish, then aborts their signals and
   * leaves their rows `running` for the next start to recover. Closes the database.
   */
  stop(options?: StopOptions): Promise<void>;

  /** Whether Warden is up, for a readiness probe: unhealthy once the root supervisor has given up. */
  health(): Health;

  /** Every Warden metric as Prometheus text (prom-client's exposition), collected now: see docs/metrics.md. */
  metrics(): Promise<string>;

  /** The prom-client registry behind `metrics()`, to serve beside your own: `Registry.merge([yours, warden.metricsRegistry])`. */
  readonly metricsRegistry: Registry;

  /**
   * Recorded failures, newest first: failed attempts, actors' abnormal exits, breakers opening,
   * pools' failed creates and checks, refused commits. Kept for `errorRetention`: see docs/errors.md.
   */
  errors(filter?: ErrorEventFilter): Promise<ErrorEvent[]>;

  /** Every event, once committed, in commit order. */
  readonly events$: Observable<WardenEvent>;

  /** Calls `listener` for every event named `type`; dispose the result to stop. */
  on<K extends WardenEventType>(type: K, listener: (event: WardenEventOf<K>) => void): Disposable;

  /** Defines how jobs of `type` run. Define every type before `start()` so recovery can use it. */
  defineJob<Payload = unknown, Result = unknown, Checkpoint = unknown>(
    type: string,
    definition: JobDefinition<Payload, Result, Checkpoint>,
  ): JobType<Payload, Result>;

  /** Adds a job; resolves once its row is committed. */
  enqueue<Payload>(type: string, payload: Payload, options?: EnqueueOptions): Promise<Job<Payload>>;

  /** Adds many jobs in one transaction: all are committed, or none (if any is invalid). */
  enqueueMany(items: readonly EnqueueItem[]): Promise<Job[]>;

  /** The job with this id, or undefined. */
  getJob(id: string): Promise<Job | undefined>;

  /** Jobs matching the filter, oldest first. */
  listJobs(filter?: JobFilter): Promise<Job[]>;

  /**
   * A page of `listJobs` and the cursor of the next one (null after the last): pass it as `after`
   * with the same `status` and `type`. Each page costs the same however deep it is, and no job is
   * listed twice while jobs are added.
   */
  listJobsPage(filter?: JobFilter): Promise<JobPage>;

  /** How many jobs are in each status, optionally of one type. */
  countJobs(type?: string): Promise<Record<JobStatus, number>>;

  /** Every status change of a job, oldest first, with each failed attempt's error. */
  getJobHistory(id: string): Promise<JobHistoryEntry[]>;

  /** Resolves with the job once it is `succeeded`, `cancelled` or `dead`. */
  waitForJob(id: string, options?: WaitOptions): Promise<Job>;

  /** Cancels a job: at once if it is not running, or by aborting its signal if it is. */
  cancelJob(id: string): Promise<Job>;

  /** Replays a dead or cancelled job: back to `queued` with its attempts reset, its history kept. */
  retryJob(id: string): Promise<Job>;

  /**
   * Pauses a job type, for good until `resumeJobType` (kept in the database, so across restarts):
   * its jobs are not claimed and spend no attempt; claimed, unstarted ones go back to `queued`;
   * running ones finish. Enqueueing still works (the jobs wait). Any type name may be paused,
   * defined or not. Resolves once committed (`jobType.paused`); false when already paused.
   */
  pauseJobType(type: string): Promise<boolean>;

  /** Resumes a paused job type: its jobs are claimable at once (`jobType.resumed`); false when it was not paused. */
  resumeJobType(type: string): Promise<boolean>;

  /** The paused job types, in the order they were paused, with when and by whom. */
  pausedJobTypes(): Promise<PausedTypeRecord[]>;

  /**
   * The circuit breaker named `name`, created with `options` on first use (a supervised actor
   * under `breakers`, its state kept in the database); later calls return the same breaker.
   */
  breaker<F = never>(name: string, options?: BreakerOptions<F>): Breaker<F>;

  /**
   * The resource pool named `name`: created with `options` (a supervisor under `pools`, whose
   * children are the pool's slots), or the existing one when they are left out.
   */
  pool<R>(name: string, options?: PoolOptions<R>): Pool<R>;

  /**
   * Adds a supervised actor (or a whole supervisor subtree) under the root supervisor, after
   * Warden's own children; it starts now if Warden is running, or with `start()` otherwise.
   * Resolves with its handle once it has started. Unless its top spec says `onExhausted:
   * 'escalate'`, a tree that spends its restart budget is dead-lettered rather than escalated
   * into the root, so it never takes the job runner, breakers or pools down with it.
   */
  supervise(spec: ChildSpec): Promise<ActorHandle>;

  /** A serialisable snapshot of the whole supervision tree. */
  tree(): TreeNode;

  /** Actors dead-lettered after their restart budget was spent, with their last errors. */
  deadActors(): Promise<DeadActorRecord[]>;

  /** The recorded lifecycle of a supervised actor (starts, exits, restarts, escalations), oldest first. @default limit 100 */
  getActorHistory(id: string, limit?: number): Promise<ActorEventRecord[]>;

  /** Events that reached actors that were not running: a count and the last few, per actor. */
  undeliverable(id?: string): Promise<UndeliverableRecord[]>;

  /**
   * Stops an actor, or a whole tree in reverse start order, and keeps it stopped: its supervisor
   * does not restart it, not even when a sibling's crash restarts the others. Resolves once it
   * has stopped (`actor.stopped`). Warden's own nodes cannot be stopped this way.
   */
  stopActor(id: string): Promise<void>;

  /**
   * Starts again an actor stopped with `stopActor` (`actor.resumed`) or dead-lettered
   * (`actor.revived`, and it leaves `deadActors()`); resolves once it has started. Any other
   * actor is refused with `InvalidTransitionError`, as is one whose supervisor is down.
   */
  restartActor(id: string): Promise<void>;

  /**
   * Takes a stopped actor (stopped by hand, dead-lettered, or down with its supervisor) and its
   * subtree out of the tree (`actor.removed`); its id is free again. A running one is refused.
   */
  removeActor(id: string): Promise<void>;

  /**
   * Sends an event to a supervised actor running XState logic. An event for an actor that is not
   * running is recorded as undeliverable (and emitted as `actor.undeliverable`); returns whether
   * it was delivered.
   */
  send(id: string, event: { readonly type: string; readonly [field: string]: unknown }): boolean;
}

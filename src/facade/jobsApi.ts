import type { Clock } from '../clock.js';
import { DuplicateJobTypeError, InvalidOptionError } from '../errors.js';
import { jobStatuses, type JobStatus } from '../machines/jobMachine.js';
import {
  checkInteger,
  checkKeys,
  checkObject,
  checkOptions,
  checkString,
  keysOf,
} from '../options.js';
import type { SqliteStore } from '../persistence/sqliteStore.js';
import { checkJobCursor } from '../persistence/jobCursor.js';
import type { Job, JobFilter, JobHistoryEntry, JobPage } from '../persistence/Store.js';
import {
  resolveJobDefinition,
  type JobDefinition,
  type ResolvedJobDefinition,
} from '../actors/jobDefinition.js';
import type { JobRunner } from '../supervisor/runner/jobRunner.js';
import { prepareJob, prepareJobs, type EnqueueItem, type EnqueueOptions } from './enqueueChecks.js';
import type { Lifecycle } from './lifecycle.js';
import { traceEnqueue } from '../observability/traceEnqueue.js';

/** A defined job type: enqueue with a typed payload. */
export interface JobType<Payload, Result> {
  readonly type: string;
  enqueue(payload: Payload, options?: EnqueueOptions): Promise<Job<Payload, Result>>;
}

/** Options of `waitForJob`. */
export interface WaitOptions {
  /** Stop waiting (rejecting with the signal's reason) when this aborts. @default none */
  readonly signal?: AbortSignal;
}

/** `waitForJob`'s options with every default applied; `null` is none. */
export interface ResolvedWaitOptions {
  readonly signal: AbortSignal | null;
}

/** Defaults of `waitForJob`. */
export const defaultWaitOptions = { signal: null } as const satisfies ResolvedWaitOptions;

/** Validates `waitForJob`'s options (unknown keys refused) and fills in their defaults. */
export function resolveWaitOptions(input: unknown): ResolvedWaitOptions {
  const given = checkOptions<WaitOptions>(
    'waitForJob options',
    input,
    keysOf<WaitOptions>({ signal: true }),
  );
  if (given.signal === undefined) return defaultWaitOptions;
  if (!(given.signal instanceof AbortSignal)) {
    throw new InvalidOptionError('signal', 'an AbortSignal', given.signal);
  }
  return { signal: given.signal };
}

/** What the jobs API works with. */
export interface JobsApiScope {
  readonly store: SqliteStore;
  readonly scheduler: JobRunner;
  /** The job types defined so far, shared with the scheduler. */
  readonly definitions: Map<string, ResolvedJobDefinition>;
  readonly lifecycle: Lifecycle;
  readonly clock: Clock;
  /** The global concurrency, a job type's default. */
  readonly concurrency: number;
  /** Whether a breaker of this name was created. */
  hasBreaker(name: string): boolean;
}

/** Warden's jobs: defining types, enqueueing, reading, waiting for, cancelling and replaying. */
export class JobsApi {
  constructor(private readonly scope: JobsApiScope) {}

  /** Defines how jobs of `type` run. Define every type before `start()` so recovery can use it. */
  defineJob<Payload = unknown, Result = unknown, Checkpoint = unknown>(
    type: string,
    definition: JobDefinition<Payload, Result, Checkpoint>,
  ): JobType<Payload, Result> {
    const { definitions, lifecycle, scheduler } = this.scope;
    const resolved = resolveJobDefinition(type, definition, this.scope.concurrency);
    if (definitions.has(resolved.type)) throw new DuplicateJobTypeError(resolved.type);
    if (lifecycle.state === 'running') this.checkBreakerOf(resolved);
    definitions.set(resolved.type, resolved);
    if (lifecycle.state === 'running') scheduler.poke();
    return {
      type: resolved.type,
      enqueue: (payload, options) =>
        this.enqueue(resolved.type, payload, options) as Promise<Job<Payload, Result>>,
    };
  }

  /** Every job type's breaker must exist by the time its jobs can run: checked by `start()`. */
  checkBreakers(): void {
    for (const definition of this.scope.definitions.values()) this.checkBreakerOf(definition);
  }

  private checkBreakerOf(definition: ResolvedJobDefinition): void {
    const name = definition.breaker;
    if (name === undefined || this.scope.hasBreaker(name)) return;
    throw new InvalidOptionError(
      `defineJob('${definition.type}').breaker`,
      'the name of a breaker created with warden.breaker() before start()',
      name,
    );
  }

  /** Adds a job; resolves once its row is committed. */
  async enqueue<Payload>(
    type: string,
    payload: Payload,
    options?: EnqueueOptions,
  ): Promise<Job<Payload>> {
    this.scope.lifecycle.assertRunning('enqueue');
    const job = prepareJob(this.scope, type, payload, options);
    const [stored] = await traceEnqueue([job], (jobs) => this.scope.scheduler.insert(jobs));
    return stored as Job<Payload>;
  }

  /** Adds many jobs in one transaction: all are committed, or none (if any is invalid). */
  async enqueueMany(items: readonly EnqueueItem[]): Promise<Job[]> {
    this.scope.lifecycle.assertRunning('enqueue');
    const jobs = prepareJobs(this.scope, items);
    if (jobs.length === 0) return [];
    return traceEnqueue(jobs, (traced) => this.scope.scheduler.insert(traced));
  }

  /** The job with this id, or undefined. */
  async getJob(id: string): Promise<Job | undefined> {
    this.scope.lifecycle.assertOpen('read jobs');
    return this.scope.store.getJob(checkString('id', id, 64));
  }

  /** Jobs matching the filter, oldest first. */
  async listJobs(filter: JobFilter = {}): Promise<Job[]> {
    this.scope.lifecycle.assertOpen('read jobs');
    return this.scope.store.listJobs(checkFilter('listJobs filter', filter));
  }

  /** A page of `listJobs` with the cursor of the next one: pass `nextCursor` as `after`. */
  async listJobsPage(filter: JobFilter = {}): Promise<JobPage> {
    this.scope.lifecycle.assertOpen('read jobs');
    return this.scope.store.listJobsPage(checkFilter('listJobsPage filter', filter));
  }

  /** How many jobs are in each status, optionally of one type. */
  async countJobs(type?: string): Promise<Record<JobStatus, number>> {
    this.scope.lifecycle.assertOpen('read jobs');
    return this.scope.store.countJobs(
      type === undefined ? undefined : checkString('type', type, 200),
    );
  }

  /** Every status change of a job, oldest first, with each failed attempt's error. */
  async getJobHistory(id: string): Promise<JobHistoryEntry[]> {
    this.scope.lifecycle.assertOpen('read jobs');
    return this.scope.store.history(checkString('id', id, 64));
  }

  /** Resolves with the job once it is `succeeded`, `cancelled` or `dead`. */
  async waitForJob(id: string, options: WaitOptions = {}): Promise<Job> {
    this.scope.lifecycle.assertRunning('wait for a job');
    const { signal } = resolveWaitOptions(options);
    return this.scope.scheduler.wait(checkString('id', id, 64), signal ?? undefined);
  }

  /** Cancels a job: at once if it is not running, or by aborting its signal if it is. */
  async cancelJob(id: string): Promise<Job> {
    // Allowed during a graceful stop too: a running job may be cancelled within its grace.
    if (this.scope.lifecycle.state !== 'stopping')
      this.scope.lifecycle.assertRunning('cancel a job');
    return this.scope.scheduler.cancel(checkString('id', id, 64));
  }

  /** Replays a dead or cancelled job: back to `queued` with its attempts reset, its history kept. */
  async retryJob(id: string): Promise<Job> {
    this.scope.lifecycle.assertRunning('retry a job');
    return this.scope.scheduler.replay(checkString('id', id, 64));
  }
}

/** Checks a `listJobs` filter; the store checks that a cursor fits it. */
export function checkFilter(name: string, filter: JobFilter): JobFilter {
  const options = checkObject(name, filter);
  checkKeys(name, options, ['status', 'type', 'limit', 'offset', 'after']);
  const status = options['status'];
  const statuses =
    status === undefined ? undefined : typeof status === 'string' ? [status] : status;
  if (statuses !== undefined) {
    if (!Array.isArray(statuses))
      throw new InvalidOptionError('status', 'a job status or an array of them', status);
    for (const value of statuses as unknown[]) {
      if (!jobStatuses.includes(value as JobStatus)) {
        throw new InvalidOptionError('status', `one of ${jobStatuses.join(', ')}`, value);
      }
    }
  }
  return {
    ...(statuses === undefined ? {} : { status: statuses as JobStatus[] }),
    ...(options['type'] === undefined ? {} : { type: checkString('type', options['type'], 200) }),
    limit: checkInteger('limit', options['limit'] ?? 100, 1, 10_000),
    offset: checkInteger('offset', options['offset'] ?? 0, 0),
    ...(options['after'] === undefined ? {} : { after: checkJobCursor(options['after']) }),
  };
}

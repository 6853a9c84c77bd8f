import type { Observable } from 'rxjs';
import { holdProcessOpen, realClock, type Clock } from './clock.js';
import {
  ActorNotFoundError,
  coerceError,
  type DatabaseError,
  DuplicateActorError,
  DuplicateJobTypeError,
  serializeError,
  type SerializedError,
  InvalidOptionError,
  InvalidPayloadError,
  NotRunningError,
  quote,
  UnknownJobTypeError,
} from './errors.js';
import { EventBus, type Disposable } from './events/eventBus.js';
import {
  isWardenEventType,
  type WardenEvent,
  type WardenEventOf,
  type WardenEventType,
} from './events/types.js';
import { jobStatuses, type JobStatus } from './machines/jobMachine.js';
import { silentLogger, type Logger } from './observability/logger.js';
import { checkFunction, checkInteger, checkKeys, checkObject, checkString } from './options.js';
import { toJsonText } from './persistence/json.js';
import { SqliteStore } from './persistence/sqliteStore.js';
import type { Job, JobFilter, JobHistoryEntry, NewJob } from './persistence/Store.js';
import {
  maxTimerMs,
  resolveJobDefinition,
  type JobDefinition,
  type ResolvedJobDefinition,
} from './actors/jobDefinition.js';
import { JobScheduler } from './supervisor/jobScheduler.js';
import { WorkerNode } from './supervisor/workerActor.js';
import { defaultChildOptions, resolveChildSpec, type ChildSpec } from './supervisor/childSpec.js';
import { JobsNode } from './supervisor/jobsNode.js';
import { BreakerRegistry } from './supervisor/breakerRegistry.js';
import { PoolRegistry } from './supervisor/poolRegistry.js';
import type { Pool } from './actors/pool.js';
import type { PoolOptions } from './actors/poolOptions.js';
import type { Breaker } from './actors/breaker.js';
import type { BreakerOptions } from './actors/breakerOptions.js';
import { SqliteBreakerStore } from './persistence/breakerStore.js';
import { FileOwnership } from './supervisor/ownership.js';
import { createRootTree, isSystemId } from './supervisor/rootNode.js';
import type { SupervisionRuntime, TreeNode } from './supervisor/supervision.js';
import { createNode, type SupervisorNode } from './supervisor/supervisorActor.js';
import { TreeControl, type ActorHandle } from './supervisor/treeApi.js';
import type {
  ActorEventRecord,
  DeadActorRecord,
  UndeliverableRecord,
} from './persistence/Store.js';

export { rootId } from './supervisor/rootNode.js';

/** Options of `createWarden`. */
export interface WardenOptions {
  /** The SQLite file to keep everything in, or `':memory:'`. @default 'warden.db' */
  readonly database?: string;
  /** At most this many jobs run at once, across all types. @default 8 */
  readonly concurrency?: number;
  /** A pino logger; Warden logs nothing without one. */
  readonly logger?: Logger;
  /** The source of time and timers. @default the wall clock */
  readonly clock?: Clock;
  /** Random numbers in [0, 1) for backoff jitter. @default Math.random */
  readonly random?: () => number;
  /** SQLite `synchronous`: `full` survives power loss, `normal` only a process crash. @default 'full' */
  readonly synchronous?: 'full' | 'normal';
  /** The root supervisor's restart intensity. @default { maxRestarts: 3, withinMs: 5000 } */
  readonly supervision?: { readonly maxRestarts?: number; readonly withinMs?: number };
  /** Called when the root supervisor gives up. Warden never exits the process itself. @default logs at fatal level */
  readonly onFatal?: (error: Error) => void;
}

/** `createWarden` options with every default applied. */
export interface ResolvedWardenOptions {
  readonly database: string;
  readonly concurrency: number;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: () => number;
  readonly synchronous: 'full' | 'normal';
  readonly supervision: { readonly maxRestarts: number; readonly withinMs: number };
  readonly onFatal: ((error: Error) => void) | undefined;
}

/** Defaults of `createWarden`. */
export const defaultWardenOptions = {
  database: 'warden.db',
  concurrency: 8,
  synchronous: 'full',
} as const;

/** Options of one `enqueue`. */
export interface EnqueueOptions {
  /** Higher runs first; equal priorities run in enqueue order. A whole number. @default 0 */
  readonly priority?: number;
  /** Run no sooner than this many ms from now. */
  readonly delayMs?: number;
  /** Run no sooner than this time (ms since the epoch, or a Date). */
  readonly runAt?: number | Date;
  /** Unique per job type: enqueueing the same key again returns the existing job and writes nothing. */
  readonly idempotencyKey?: string;
  /** Attempts in all, overriding the job type's `retry.attempts`. */
  readonly attempts?: number;
}

/** One job of an `enqueueMany` call. */
export interface EnqueueItem<Payload = unknown> {
  readonly type: string;
  readonly payload: Payload;
  readonly options?: EnqueueOptions;
}

/** A defined job type: enqueue with a typed payload. */
export interface JobType<Payload, Result> {
  readonly type: string;
  enqueue(payload: Payload, options?: EnqueueOptions): Promise<Job<Payload, Result>>;
}

/** Options of `stop`. */
export interface StopOptions {
  /** How long running jobs may take to finish before their signals are aborted. @default 10_000 */
  readonly graceMs?: number;
}

/** Options of `waitForJob`. */
export interface WaitOptions {
  /** Stop waiting (rejecting with the signal's reason) when this aborts. */
  readonly signal?: AbortSignal;
}

/** Whether Warden is working, for a readiness probe. */
export interface Health {
  readonly status: 'idle' | 'running' | 'stopping' | 'stopped';
  readonly healthy: boolean;
  /** Jobs running in this process. */
  readonly running: number;
  /** The root supervisor's state: `failed` once it has given up. */
  readonly supervisor: string;
  /** `failing` while the database refuses the writes that record job outcomes (they are retried). */
  readonly database: 'ok' | 'failing';
  /** Why the root supervisor gave up, or else why the database is failing. */
  readonly error?: SerializedError;
}

type WardenState = Health['status'];

const priorityLimit = 2 ** 31 - 1;
/** The last time a JavaScript Date can hold, in ms since the epoch. */
const maxDateMs = 8.64e15;
/** The longest `delayMs`: 100 years. */
const maxDelayMs = 3_155_760_000_000;

const loggerMethods = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'child'] as const;

/** A pino logger (or anything with its methods), or a silent one when none is given. */
function checkLogger(value: unknown): Logger {
  if (value === undefined) return silentLogger();
  const missing =
    typeof value === 'object' && value !== null
      ? loggerMethods.filter(
          (method) => typeof (value as Record<string, unknown>)[method] !== 'function',
        )
      : loggerMethods;
  if (missing.length > 0) {
    throw new InvalidOptionError(
      'logger',
      `a pino logger (it lacks ${missing.map((m) => `\`${m}()\``).join(', ')})`,
      value,
    );
  }
  return value as Logger;
}

/** A clock whose `now()` reads a finite number; checked once, when Warden is created. */
function checkClock(value: unknown): Clock {
  const clock = (value ?? realClock) as Partial<Clock> | null;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function' ||
    typeof clock.clearTimeout !== 'function'
  ) {
    throw new InvalidOptionError('clock', 'a Clock with now, setTimeout and clearTimeout', value);
  }
  const now: unknown = clock.now();
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new InvalidOptionError('clock', 'a Clock whose now() is a finite number of ms', now);
  }
  return clock as Clock;
}

function resolveOptions(input: unknown): ResolvedWardenOptions {
  const options = checkObject('createWarden options', input);
  checkKeys('createWarden options', options, [
    'database',
    'concurrency',
    'logger',
    'clock',
    'random',
    'synchronous',
    'supervision',
    'onFatal',
  ]);
  const synchronous = options['synchronous'] ?? defaultWardenOptions.synchronous;
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw new InvalidOptionError('synchronous', "`'full'` or `'normal'`", synchronous);
  }
  const random = options['random'] ?? Math.random;
  if (typeof random !== 'function') throw new InvalidOptionError('random', 'a function', random);
  const clock = checkClock(options['clock']);
  const supervision = checkObject('supervision', options['supervision']);
  checkKeys('supervision', supervision, ['maxRestarts', 'withinMs']);
  const onFatal = options['onFatal'];
  if (onFatal !== undefined && typeof onFatal !== 'function') {
    throw new InvalidOptionError('onFatal', 'a function', onFatal);
  }
  return {
    supervision: {
      maxRestarts: checkInteger(
        'supervision.maxRestarts',
        supervision['maxRestarts'] ?? defaultChildOptions.maxRestarts,
        0,
        1_000_000,
      ),
      withinMs: checkInteger(
        'supervision.withinMs',
        supervision['withinMs'] ?? defaultChildOptions.withinMs,
        1,
        maxTimerMs,
      ),
    },
    onFatal: onFatal as ((error: Error) => void) | undefined,
    database: checkString('database', options['database'] ?? defaultWardenOptions.database, 4096),
    concurrency: checkInteger(
      'concurrency',
      options['concurrency'] ?? defaultWardenOptions.concurrency,
      1,
      100_000,
    ),
    logger: checkLogger(options['logger']),
    clock,
    random: random as () => number,
    synchronous,
  };
}

/** A Warden instance: durable jobs run by supervised actors. Create one with `createWarden`. */
export class Warden {
  /** The options in force, defaults applied. */
  readonly options: ResolvedWardenOptions;
  private readonly store: SqliteStore;
  private readonly bus: EventBus;
  private readonly definitions = new Map<string, ResolvedJobDefinition>();
  private readonly scheduler: JobScheduler;
  private readonly runtime: SupervisionRuntime;
  private readonly root: SupervisorNode;
  private readonly jobs: JobsNode;
  /** The supervisor of every circuit breaker (`breakers`). */
  private readonly breakersNode: SupervisorNode;
  /** The supervisor of every pool (`pools`): one supervisor per pool, over its slots. */
  private readonly poolsNode: SupervisorNode;
  private readonly control: TreeControl;
  private readonly breakers: BreakerRegistry;
  private readonly pools: PoolRegistry;
  /** Who owns the database file; none for an in-memory database. */
  private readonly ownership: FileOwnership | undefined;
  private readonly deadAtStart = new Set<string>();
  private rootFailure: Error | undefined;
  private state: WardenState = 'idle';
  private stopping: Promise<void> | undefined;

  constructor(options?: WardenOptions) {
    this.options = resolveOptions(options);
    const { logger } = this.options;
    this.store = new SqliteStore({
      filename: this.options.database,
      synchronous: this.options.synchronous,
    });
    const { database } = this.options;
    this.ownership =
      database === ':memory:' || database === ''
        ? undefined
        : new FileOwnership(this.store, this.options.clock, database, (error) => {
            this.lostOwnership(error);
          });
    this.bus = new EventBus((error, type) => {
      logger.error({ err: error, event: type }, 'an event listener threw');
    });
    this.scheduler = new JobScheduler({
      store: this.store,
      bus: this.bus,
      clock: this.options.clock,
      logger,
      random: this.options.random,
      concurrency: this.options.concurrency,
      definitions: this.definitions,
      gate: (type) => this.breakers.gate(this.definitions.get(type)?.breaker),
      pool: (name) => this.pools.find(name),
    });
    this.runtime = {
      clock: this.options.clock,
      logger,
      store: this.store,
      random: this.options.random,
      emit: (event) => this.bus.emit(event),
      deadAtStart: this.deadAtStart,
    };
    const tree = createRootTree({
      intensity: this.options.supervision,
      runtime: this.runtime,
      jobs: (root) => new JobsNode(this.scheduler, root, this.runtime),
      onFailure: (error) => {
        this.fatal(error);
      },
    });
    this.root = tree.root;
    this.jobs = tree.jobs;
    this.breakersNode = tree.breakers;
    this.poolsNode = tree.pools;
    this.control = new TreeControl(this.root, (operation) => {
      this.assertRunning(operation);
    });
    this.pools = new PoolRegistry(
      this.runtime,
      this.poolsNode,
      (id) => this.root.find(id) !== undefined,
    );
    this.breakers = new BreakerRegistry(
      {
        ...this.runtime,
        emit: (event) => this.bus.emit(event),
        breakerStore: new SqliteBreakerStore(this.store),
      },
      this.breakersNode,
      (id) => this.root.find(id) !== undefined,
      () => {
        if (this.state === 'running') this.scheduler.poke();
      },
    );
  }

  /**
   * The resource pool named `name`: created with `options` (a supervisor under `pools`, whose
   * children are the pool's slots), or the existing one when they are left out.
   */
  pool<R>(name: string, options?: PoolOptions<R>): Pool<R> {
    const stopped = this.state === 'stopping' || this.state === 'stopped';
    if (stopped && (options !== undefined || this.pools.find(name) === undefined)) {
      throw new NotRunningError('create a pool', this.state);
    }
    return this.pools.get(name, options) as Pool<R>;
  }

  /**
   * The circuit breaker named `name`, created with `options` on first use (a supervised actor
   * under `breakers`, its state kept in the database); later calls return the same breaker.
   */
  breaker<F = never>(name: string, options?: BreakerOptions<F>): Breaker<F> {
    if (this.state === 'stopping' || this.state === 'stopped') {
      throw new NotRunningError('create a breaker', this.state);
    }
    return this.breakers.get(name, options) as Breaker<F>;
  }

  /** A job type's breaker must exist by the time its jobs can run. */
  private checkBreakerOf(definition: ResolvedJobDefinition): void {
    const name = definition.breaker;
    if (name === undefined || this.breakers.find(name) !== undefined) return;
    throw new InvalidOptionError(
      `defineJob('${definition.type}').breaker`,
      'the name of a breaker created with warden.breaker() before start()',
      name,
    );
  }

  /** Every event, once committed, in commit order. */
  get events$(): Observable<WardenEvent> {
    return this.bus.events$;
  }

  /** Calls `listener` for every event named `type`; dispose the result to stop. */
  on<K extends WardenEventType>(type: K, listener: (event: WardenEventOf<K>) => void): Disposable {
    if (!isWardenEventType(type)) {
      throw new InvalidOptionError('event', 'the name of an event Warden emits', type);
    }
    checkFunction('listener', listener);
    return this.bus.on(type, listener);
  }

  /** Defines how jobs of `type` run. Define every type before `start()` so recovery can use it. */
  defineJob<Payload = unknown, Result = unknown, Checkpoint = unknown>(
    type: string,
    definition: JobDefinition<Payload, Result, Checkpoint>,
  ): JobType<Payload, Result> {
    const resolved = resolveJobDefinition(type, definition, this.options.concurrency);
    if (this.definitions.has(resolved.type)) throw new DuplicateJobTypeError(resolved.type);
    if (this.state === 'running') this.checkBreakerOf(resolved);
    this.definitions.set(resolved.type, resolved);
    if (this.state === 'running') this.scheduler.poke();
    return {
      type: resolved.type,
      enqueue: (payload, options) =>
        this.enqueue(resolved.type, payload, options) as Promise<Job<Payload, Result>>,
    };
  }

  /**
   * Opens the database (creating or migrating it), then starts the supervision tree: the job
   * runner (which recovers stalled jobs) and every supervised actor, in order.
   */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    if (this.state !== 'idle') throw new NotRunningError('start', this.state);
    for (const definition of this.definitions.values()) this.checkBreakerOf(definition);
    try {
      if (this.ownership === undefined) this.store.open();
      else this.ownership.open();
      for (const dead of this.store.deadActors()) this.deadAtStart.add(dead.actorId);
      this.state = 'running';
      this.root.start();
    } catch (error) {
      this.state = 'idle';
      this.releaseFile();
      throw coerceError(error);
    }
    // A child's start timeout is unref'd like every Warden timer: whoever awaits start() sees it
    // through, even with nothing else keeping the process alive.
    const release = holdProcessOpen();
    try {
      await this.root.settled();
    } finally {
      release();
    }
    this.options.logger.info({ database: this.options.database }, 'warden started');
  }

  /**
   * Adds a supervised actor (or a whole supervisor subtree) under the root supervisor, after
   * Warden's own children; it starts now if Warden is running, or with `start()` otherwise.
   * Resolves with its handle once it has started. Unless its top spec says `onExhausted:
   * 'escalate'`, a tree that spends its restart budget is dead-lettered rather than escalated
   * into the root, so it never takes the job runner, breakers or pools down with it.
   */
  async supervise(spec: ChildSpec): Promise<ActorHandle> {
    if (this.state === 'stopping' || this.state === 'stopped')
      throw new NotRunningError('supervise', this.state);
    const ids = new Set<string>();
    const resolved = resolveChildSpec(spec, ids, 'spec', defaultChildOptions.topLevelOnExhausted);
    for (const id of ids) {
      if (isSystemId(id) || this.root.find(id) !== undefined) {
        throw new DuplicateActorError(id);
      }
    }
    const node = createNode(resolved, this.root, this.runtime);
    await this.root.addChild(node);
    return this.control.handle(node);
  }

  /** A serialisable snapshot of the whole supervision tree. */
  tree(): TreeNode {
    return this.root.snapshot();
  }

  /** Actors dead-lettered after their restart budget was spent, with their last errors. */
  async deadActors(): Promise<DeadActorRecord[]> {
    this.assertOpen('read dead actors');
    return this.store.deadActors();
  }

  /** The recorded lifecycle of a supervised actor (starts, exits, restarts, escalations), oldest first. */
  async getActorHistory(id: string, limit = 100): Promise<ActorEventRecord[]> {
    this.assertOpen('read actor history');
    return this.store.actorHistory(
      checkString('id', id, 200),
      checkInteger('limit', limit, 1, 10_000),
    );
  }

  /** Events that reached actors that were not running: a count and the last few, per actor. */
  async undeliverable(id?: string): Promise<UndeliverableRecord[]> {
    this.assertOpen('read undeliverable events');
    return this.store.undeliverable(id === undefined ? undefined : checkString('id', id, 200));
  }

  /**
   * Stops an actor, or a whole tree in reverse start order, and keeps it stopped: its supervisor
   * does not restart it, not even when a sibling's crash restarts the others. Resolves once it
   * has stopped (`actor.stopped`). Warden's own nodes cannot be stopped this way.
   */
  stopActor(id: string): Promise<void> {
    return this.control.apply('stop', id);
  }

  /**
   * Starts again an actor stopped with `stopActor` (`actor.resumed`) or dead-lettered
   * (`actor.revived`, and it leaves `deadActors()`); resolves once it has started. Any other
   * actor is refused with `InvalidTransitionError`, as is one whose supervisor is down.
   */
  restartActor(id: string): Promise<void> {
    return this.control.apply('restart', id);
  }

  /**
   * Takes a stopped actor (stopped by hand, dead-lettered, or down with its supervisor) and its
   * subtree out of the tree (`actor.removed`); its id is free again. A running one is refused.
   */
  removeActor(id: string): Promise<void> {
    return this.control.apply('remove', id);
  }

  /**
   * Sends an event to a supervised actor running XState logic. An event for an actor that is not
   * running is recorded as undeliverable (and emitted as `actor.undeliverable`); returns whether
   * it was delivered.
   */
  send(id: string, event: { readonly type: string }): boolean {
    this.assertRunning('send an event');
    const name = checkString('id', id, 200);
    if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
      throw new InvalidOptionError('event', 'an object with a string `type`', event);
    }
    if (event.type.startsWith('xstate.')) {
      // XState's own events (stop, done, error) would fake an actor's exit to its supervisor.
      throw new InvalidOptionError(
        'event.type',
        'an event type of your own (`xstate.*` types are reserved by XState)',
        event.type,
      );
    }
    const node = this.root.find(name);
    if (node === undefined) throw new ActorNotFoundError(name);
    if (!(node instanceof WorkerNode) || !node.receivesEvents) {
      throw new InvalidOptionError('id', 'the id of an actor running XState logic', name);
    }
    if (node.deliver(event)) return true;
    const at = this.options.clock.now();
    const record = this.store.recordUndeliverable(name, event, at);
    this.bus.emit({
      type: 'actor.undeliverable',
      actorId: name,
      at,
      count: record.count,
      eventType: event.type,
    });
    return false;
  }

  /** Gives up the ownership of the database file, then closes it. */
  private releaseFile(): void {
    this.releaseOwnership();
    this.store.close();
  }

  /** Gives up the ownership of the database file (logged, never thrown, if that fails). */
  private releaseOwnership(): void {
    try {
      this.ownership?.release();
    } catch (error) {
      this.options.logger.error({ err: error }, 'could not give up the database file');
    }
  }

  /**
   * Another process took the file over. Its new owner has recovered our running jobs already, so
   * this Warden is down at once (writes refused, unhealthy), then stops its tree without grace.
   */
  private lostOwnership(error: DatabaseError): void {
    if (this.state !== 'running' || this.rootFailure !== undefined) return;
    this.fatal(error);
    this.jobs.graceMs = 0;
    void this.root.stop();
  }

  private fatal(error: Error): void {
    this.rootFailure = error;
    // A Warden that is down holds the file for nobody: a standby may take it over at once.
    this.releaseOwnership();
    const onFatal = this.options.onFatal;
    if (onFatal === undefined) {
      this.options.logger.fatal({ err: error }, 'the root supervisor gave up');
      return;
    }
    try {
      onFatal(error);
    } catch (thrown) {
      this.options.logger.error({ err: thrown }, 'onFatal threw');
    }
  }

  /** Adds a job; resolves once its row is committed. */
  async enqueue<Payload>(
    type: string,
    payload: Payload,
    options?: EnqueueOptions,
  ): Promise<Job<Payload>> {
    this.assertRunning('enqueue');
    const job = this.prepare(type, payload, options);
    const [stored] = await this.scheduler.insert([job]);
    return stored as Job<Payload>;
  }

  /** Adds many jobs in one transaction: all are committed, or none (if any is invalid). */
  async enqueueMany(items: readonly EnqueueItem[]): Promise<Job[]> {
    this.assertRunning('enqueue');
    if (!Array.isArray(items))
      throw new InvalidOptionError('items', 'an array of { type, payload, options }', items);
    // An index loop, not map(): map skips the holes of a sparse array, which must be refused.
    const jobs: NewJob[] = [];
    for (let index = 0; index < items.length; index++) {
      const item: unknown = items[index];
      if (item === undefined) {
        throw new InvalidOptionError(
          `items[${index}]`,
          'a { type, payload, options } object',
          item,
        );
      }
      const entry = checkObject(`items[${index}]`, item);
      checkKeys(`items[${index}]`, entry, ['type', 'payload', 'options']);
      jobs.push(this.prepare(entry['type'], entry['payload'], entry['options'], index));
    }
    if (jobs.length === 0) return [];
    return this.scheduler.insert(jobs);
  }

  /** The job with this id, or undefined. */
  async getJob(id: string): Promise<Job | undefined> {
    this.assertOpen('read jobs');
    return this.store.getJob(checkString('id', id, 64));
  }

  /** Jobs matching the filter, oldest first. */
  async listJobs(filter: JobFilter = {}): Promise<Job[]> {
    this.assertOpen('read jobs');
    const options = checkObject('listJobs filter', filter);
    checkKeys('listJobs filter', options, ['status', 'type', 'limit', 'offset']);
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
    return this.store.listJobs({
      ...(statuses === undefined ? {} : { status: statuses as JobStatus[] }),
      ...(options['type'] === undefined ? {} : { type: checkString('type', options['type'], 200) }),
      limit: checkInteger('limit', options['limit'] ?? 100, 1, 10_000),
      offset: checkInteger('offset', options['offset'] ?? 0, 0),
    });
  }

  /** How many jobs are in each status, optionally of one type. */
  async countJobs(type?: string): Promise<Record<JobStatus, number>> {
    this.assertOpen('read jobs');
    return this.store.countJobs(type === undefined ? undefined : checkString('type', type, 200));
  }

  /** Every status change of a job, oldest first, with each failed attempt's error. */
  async getJobHistory(id: string): Promise<JobHistoryEntry[]> {
    this.assertOpen('read jobs');
    return this.store.history(checkString('id', id, 64));
  }

  /** Resolves with the job once it is `succeeded`, `cancelled` or `dead`. */
  async waitForJob(id: string, options: WaitOptions = {}): Promise<Job> {
    this.assertRunning('wait for a job');
    const given = checkObject('waitForJob options', options);
    checkKeys('waitForJob options', given, ['signal']);
    const { signal } = given;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new InvalidOptionError('signal', 'an AbortSignal', signal);
    }
    return this.scheduler.wait(checkString('id', id, 64), signal);
  }

  /** Cancels a job: at once if it is not running, or by aborting its signal if it is. */
  async cancelJob(id: string): Promise<Job> {
    // Allowed during a graceful stop too: a running job may be cancelled within its grace.
    if (this.state !== 'stopping') this.assertRunning('cancel a job');
    return this.scheduler.cancel(checkString('id', id, 64));
  }

  /** Replays a dead or cancelled job: back to `queued` with its attempts reset, its history kept. */
  async retryJob(id: string): Promise<Job> {
    this.assertRunning('retry a job');
    return this.scheduler.replay(checkString('id', id, 64));
  }

  /** Whether Warden is up, for a readiness probe: unhealthy once the root supervisor has given up. */
  health(): Health {
    const writeFailure = this.state === 'running' ? this.scheduler.failure : undefined;
    const error = this.rootFailure ?? writeFailure;
    return {
      status: this.state,
      healthy: this.state === 'running' && error === undefined,
      running: this.scheduler.running,
      supervisor: this.root.state,
      database: writeFailure === undefined ? 'ok' : 'failing',
      ...(error === undefined ? {} : { error: serializeError(error) }),
    };
  }

  /**
   * Stops taking work, gives running jobs `graceMs` to finish, then aborts their signals and
   * leaves their rows `running` for the next start to recover. Closes the database.
   */
  stop(options: StopOptions = {}): Promise<void> {
    let graceMs: number;
    try {
      graceMs = checkInteger(
        'graceMs',
        checkedStopOptions(options)['graceMs'] ?? 10_000,
        0,
        maxTimerMs,
      );
    } catch (error) {
      return Promise.reject(coerceError(error));
    }
    if (this.stopping !== undefined) return this.stopping;
    if (this.state === 'idle') {
      this.state = 'stopped';
      this.bus.complete();
      this.breakers.complete();
      return Promise.resolve();
    }
    this.state = 'stopping';
    this.jobs.graceMs = graceMs;
    this.pools.graceMs = graceMs;
    // Whoever awaits stop() sees it through: Warden's own timers are unref'd.
    const release = holdProcessOpen();
    // No new work from now on, though the job runner stops only after the user's trees.
    this.scheduler.stopClaiming();
    this.stopping = this.root
      .stop()
      // A job runner that had failed (and a root that gave up) stopped nothing: let its waiters go.
      .then(() => this.scheduler.stop(0))
      .finally(() => {
        release();
        this.releaseFile();
        this.state = 'stopped';
        this.bus.complete();
        this.breakers.complete();
        this.options.logger.info('warden stopped');
      });
    return this.stopping;
  }

  private assertRunning(operation: string): void {
    if (this.state !== 'running') throw new NotRunningError(operation, this.state);
    if (this.rootFailure !== undefined) {
      throw new NotRunningError(operation, 'down: its root supervisor gave up');
    }
  }

  private assertOpen(operation: string): void {
    if (this.state !== 'running' && this.state !== 'stopping')
      throw new NotRunningError(operation, this.state);
  }

  private prepare(type: unknown, payload: unknown, input: unknown, index?: number): NewJob {
    const where = index === undefined ? '' : `items[${index}].`;
    const name = checkString(`${where}type`, type, 200);
    const definition = this.definitions.get(name);
    if (definition === undefined) throw new UnknownJobTypeError(name);
    const options = checkObject(`${where}options`, input);
    checkKeys(`${where}options`, options, [
      'priority',
      'delayMs',
      'runAt',
      'idempotencyKey',
      'attempts',
    ]);
    const json = toJsonText(payload, `${where}payload`);
    if ('problem' in json)
      throw new InvalidPayloadError(`cannot enqueue ${quote(name)}: ${json.problem}`);
    if (definition.validate !== undefined) {
      let verdict: boolean | void;
      try {
        verdict = definition.validate(payload);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new InvalidPayloadError(
          `${quote(name)} rejected its payload ${quote(payload)}: ${reason}`,
          {
            cause: error,
          },
        );
      }
      const answer: unknown = verdict;
      if (typeof answer === 'object' && answer !== null && 'then' in answer) {
        // An async validate cannot hold up a synchronous check; its outcome is dropped unseen.
        Promise.resolve(answer).catch(() => undefined);
        throw new InvalidOptionError(
          `${quote(name)}'s validate`,
          'a synchronous function returning true or false (it returned a Promise)',
          answer,
        );
      }
      if (verdict === false) {
        throw new InvalidPayloadError(`${quote(name)} rejected its payload ${quote(payload)}`);
      }
    }
    const now = this.options.clock.now();
    if (options['delayMs'] !== undefined && options['runAt'] !== undefined) {
      throw new InvalidOptionError(
        `${where}runAt`,
        'left out when `delayMs` is given',
        options['runAt'],
      );
    }
    let runAt = now;
    if (options['delayMs'] !== undefined) {
      runAt = now + checkInteger(`${where}delayMs`, options['delayMs'], 0, maxDelayMs);
    } else if (options['runAt'] !== undefined) {
      const value = options['runAt'];
      const at = value instanceof Date ? value.getTime() : value;
      if (
        typeof at !== 'number' ||
        !Number.isFinite(at) ||
        Math.abs(at) > maxDateMs ||
        at > now + maxDelayMs
      ) {
        throw new InvalidOptionError(
          `${where}runAt`,
          'a time in ms since the epoch, or a valid Date, at most 100 years ahead',
          value,
        );
      }
      runAt = Math.round(at);
    }
    const key = options['idempotencyKey'];
    return {
      type: name,
      status: runAt > now ? 'scheduled' : 'queued',
      payloadJson: json.text,
      priority: checkInteger(
        `${where}priority`,
        options['priority'] ?? 0,
        -priorityLimit - 1,
        priorityLimit,
      ),
      runAt: Math.max(runAt, now),
      maxAttempts: checkInteger(
        `${where}attempts`,
        options['attempts'] ?? definition.attempts,
        1,
        1_000_000,
      ),
      idempotencyKey: key === undefined ? null : checkString(`${where}idempotencyKey`, key, 1000),
      at: now,
    };
  }
}

/** `stop()`'s options, unknown keys refused. */
function checkedStopOptions(options: unknown): Record<string, unknown> {
  const given = checkObject('stop options', options);
  checkKeys('stop options', given, ['graceMs']);
  return given;
}

/** Creates a Warden; call `start()` to open the database and begin running jobs. */
export function createWarden(options?: WardenOptions): Warden {
  return new Warden(options);
}

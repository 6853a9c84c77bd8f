import { randomUUID } from 'node:crypto';
import type { Observable } from 'rxjs';
import type { Breaker } from './actors/breaker.js';
import type { BreakerOptions } from './actors/breakerOptions.js';
import type { Pool } from './actors/pool.js';
import type { PoolOptions } from './actors/poolOptions.js';
import { holdProcessOpen } from './clock.js';
import { coerceError, type DatabaseError, InvalidOptionError, NotRunningError } from './errors.js';
import { EventBus, type Disposable } from './events/eventBus.js';
import {
  isWardenEventType,
  type WardenEvent,
  type WardenEventOf,
  type WardenEventType,
} from './events/types.js';
import { JobsApi } from './facade/jobsApi.js';
import { WardenCalls } from './facade/wardenCalls.js';
import { Lifecycle, watchHealth, type Health } from './facade/lifecycle.js';
import { OperatorFeeds, ownerSnapshots } from './facade/operatorFeeds.js';
import { SupervisionApi } from './facade/supervisionApi.js';
import type { Warden } from './facade/Warden.js';
import {
  resolveStopOptions,
  resolveWardenOptions,
  type ResolvedWardenOptions,
  type StopOptions,
  type WardenOptions,
} from './facade/wardenOptions.js';
import type { HealthMonitor } from './observability/health.js';
import { WardenMetrics } from './observability/metrics/wardenMetrics.js';
import { checkFunction } from './options.js';
import type { ErrorEvent, ErrorEventFilter } from './persistence/sqlite/errorEvents.js';
import { jobCountRows } from './persistence/sqlite/jobCountRows.js';
import type { Registry } from 'prom-client';
import { SqliteBreakerStore } from './persistence/breakerStore.js';
import { SqliteStore } from './persistence/sqliteStore.js';
import { BreakerRegistry } from './supervisor/breakerRegistry.js';
import { Operations } from './supervisor/commands/operations.js';
import type { ResolvedJobDefinition } from './actors/jobDefinition.js';
import { JobRunner } from './supervisor/runner/jobRunner.js';
import { JobsNode } from './supervisor/jobsNode.js';
import { FileOwnership } from './supervisor/ownership.js';
import { PoolRegistry } from './supervisor/poolRegistry.js';
import { createRootTree } from './supervisor/rootNode.js';
import type { SupervisionRuntime } from './supervisor/supervision.js';
import type { SupervisorNode } from './supervisor/supervisorActor.js';
import { TreeControl } from './supervisor/treeApi.js';
import { loadOpenTelemetry } from './observability/otel.js';
import { traceLogger } from './observability/traceLogger.js';

/**
 * The one implementation of `Warden`, whose interface documents each call: wires the store, the
 * job runner, the supervision tree and the registries, owns the lifecycle (start, stop, health,
 * the root giving up), and hands the jobs and supervision calls to `JobsApi` and `SupervisionApi`.
 */
export class WardenInstance extends WardenCalls implements Warden {
  readonly options: ResolvedWardenOptions;
  private readonly lifecycle = new Lifecycle();
  private readonly store: SqliteStore;
  /** Who owns the database file; none for an in-memory database. */
  private readonly ownership: FileOwnership | undefined;
  private readonly bus: EventBus;
  private readonly definitions = new Map<string, ResolvedJobDefinition>();
  private readonly scheduler: JobRunner;
  private readonly root: SupervisorNode;
  private readonly jobs: JobsNode;
  private readonly breakers: BreakerRegistry;
  private readonly pools: PoolRegistry;
  protected readonly jobsApi: JobsApi;
  protected readonly supervision: SupervisionApi;
  /** Paused job types; commands from other processes. */
  protected readonly operations: Operations;
  private readonly deadAtStart = new Set<string>();
  private readonly monitor: HealthMonitor;
  private readonly metricsCollector: WardenMetrics;
  /** The error log, and the snapshots other processes read. */
  private readonly feeds: OperatorFeeds;
  private stopping: Promise<void> | undefined;
  /** Set once stop() has stopped everything but the file. */
  private stoppedWork = false;

  constructor(options?: WardenOptions) {
    super();
    const resolved = resolveWardenOptions(options);
    // Every line Warden logs inside a trace context carries its trace_id and span_id.
    this.options = { ...resolved, logger: traceLogger(resolved.logger) };
    const { clock, logger, database, random } = this.options;
    this.store = new SqliteStore({ filename: database, synchronous: this.options.synchronous });
    this.ownership =
      database === ':memory:' || database === ''
        ? undefined
        : new FileOwnership(this.store, clock, database, (error) => {
            this.lostOwnership(error);
          });
    this.bus = new EventBus((error, type) => {
      logger.error({ err: error, event: type }, 'an event listener threw');
    });
    this.metricsCollector = new WardenMetrics({
      clock,
      bus: this.bus,
      jobCounts: () => this.store.jobCounts(),
      breakers: () => this.breakers.all(),
      pools: () => this.pools.all(),
      tree: () => this.root.snapshot(),
    });
    this.operations = new Operations({
      options: this.options,
      store: this.store,
      runner: () => this.scheduler,
      emit: (event) => this.bus.emit(event),
      assertRunning: (operation) => this.lifecycle.assertRunning(operation),
      api: this,
    });
    this.scheduler = new JobRunner({
      paused: this.operations.paused.set,
      store: this.store,
      claimDepth: this.options.claimDepth,
      maxStalls: this.options.maxStalls,
      owner: this.ownership?.token ?? randomUUID(),
      bus: this.bus,
      clock,
      logger,
      random,
      concurrency: this.options.concurrency,
      definitions: this.definitions,
      gate: (type) => this.breakers.gate(this.definitions.get(type)?.breaker),
      pool: (name) => this.pools.find(name),
      states: this.metricsCollector.states,
    });
    this.feeds = new OperatorFeeds({
      store: this.store,
      bus: this.bus,
      clock,
      logger,
      errorRetention: this.options.errorRetention,
      snapshotIntervalMs: this.options.snapshotIntervalMs,
      owner: this.ownership?.token,
      snapshots: ownerSnapshots({
        health: () => this.monitor.health(),
        stopped: () => this.stoppedWork,
        tree: () => this.root.snapshot(),
        breakers: () => this.breakers.all(),
        pools: () => this.pools.all(),
        metrics: () => this.metricsCollector.text(),
      }),
    });
    const runtime: SupervisionRuntime = {
      clock,
      logger,
      store: this.store,
      random,
      emit: (event) => this.bus.emit(event),
      deadAtStart: this.deadAtStart,
      states: this.metricsCollector.states,
      recordError: this.feeds.record,
    };
    const tree = createRootTree({
      intensity: this.options.supervision,
      runtime,
      jobs: (root) => new JobsNode(this.scheduler, root, runtime),
      onFailure: (error) => {
        this.fatal(error);
      },
    });
    this.root = tree.root;
    this.jobs = tree.jobs;
    const control = new TreeControl(this.root, (operation) => {
      this.lifecycle.assertRunning(operation);
    });
    const inTree = (id: string): boolean => this.root.find(id) !== undefined;
    this.pools = new PoolRegistry(runtime, tree.pools, inTree);
    this.breakers = new BreakerRegistry(
      {
        ...runtime,
        emit: (event) => this.bus.emit(event),
        breakerStore: new SqliteBreakerStore(this.store),
      },
      tree.breakers,
      inTree,
      () => {
        if (this.lifecycle.state === 'running') this.scheduler.poke();
      },
    );
    this.jobsApi = new JobsApi({
      store: this.store,
      scheduler: this.scheduler,
      definitions: this.definitions,
      lifecycle: this.lifecycle,
      clock,
      concurrency: this.options.concurrency,
      hasBreaker: (name) => this.breakers.find(name) !== undefined,
    });
    this.supervision = new SupervisionApi({
      root: this.root,
      runtime,
      control,
      store: this.store,
      bus: this.bus,
      clock,
      lifecycle: this.lifecycle,
    });
    this.monitor = watchHealth({
      options: this.options.health,
      clock,
      lifecycle: this.lifecycle,
      bus: this.bus,
      runner: this.scheduler,
      root: this.root,
      breakers: this.breakers,
      pools: this.pools,
    });
  }

  async start(): Promise<void> {
    await loadOpenTelemetry(); // an optional peer: once per process, null without it
    const lifecycle = this.lifecycle;
    if (lifecycle.state === 'running') return;
    if (lifecycle.state !== 'idle') throw new NotRunningError('start', lifecycle.state);
    this.jobsApi.checkBreakers();
    try {
      if (this.ownership === undefined) this.store.open();
      else this.ownership.open();
      for (const dead of this.store.deadActors()) this.deadAtStart.add(dead.actorId);
      this.metricsCollector.begin(jobCountRows(this.store.reader()));
      this.operations.opened();
      lifecycle.state = 'running';
      this.monitor.start(this.deadAtStart);
      this.feeds.startErrorLog();
      this.root.start();
    } catch (error) {
      lifecycle.state = 'idle';
      await this.feeds.stop();
      await this.releaseFile();
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
    this.operations.started(this.ownership?.token);
    await this.feeds.startSnapshots();
    this.options.logger.info({ database: this.options.database }, 'warden started');
  }

  stop(options: StopOptions = {}): Promise<void> {
    let graceMs: number;
    try {
      graceMs = resolveStopOptions(options).graceMs;
    } catch (error) {
      return Promise.reject(coerceError(error));
    }
    if (this.stopping !== undefined) return this.stopping;
    const lifecycle = this.lifecycle;
    if (lifecycle.state === 'idle') {
      lifecycle.state = 'stopped';
      this.bus.complete();
      this.breakers.complete();
      return Promise.resolve();
    }
    lifecycle.state = 'stopping';
    const commandsDone = this.operations.stop();
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
      .finally(async () => {
        await commandsDone;
        this.stoppedWork = true; // the last snapshots say `stopped`: nothing runs any more
        await this.feeds.stop();
        await this.releaseFile().catch((error: unknown) => {
          this.options.logger.error({ err: error }, 'could not close the database file');
        });
        release();
        lifecycle.state = 'stopped';
        this.monitor.stop();
        this.bus.complete();
        this.breakers.complete();
        this.options.logger.info('warden stopped');
      });
    return this.stopping;
  }

  health(): Health {
    return this.monitor.health();
  }

  metrics(): Promise<string> {
    return this.metricsCollector.text();
  }

  get metricsRegistry(): Registry {
    return this.metricsCollector.registry;
  }

  async errors(filter?: ErrorEventFilter): Promise<ErrorEvent[]> {
    this.lifecycle.assertOpen('read error events');
    return this.store.errorEvents(filter);
  }

  /** Gives up the ownership of the database file, then closes it (once its writes are applied). */
  private async releaseFile(): Promise<void> {
    this.releaseOwnership();
    await this.store.close();
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
    if (this.lifecycle.state !== 'running' || this.lifecycle.rootFailure !== undefined) return;
    this.fatal(error);
    this.jobs.graceMs = 0;
    void this.root.stop();
  }

  /** The root supervisor gave up (or the file was lost): Warden is down, and says so once. */
  private fatal(error: Error): void {
    this.lifecycle.rootFailure = error;
    // A Warden that is down holds the file for nobody: a standby may take it over at once. Its
    // last snapshots say it is down; the standby publishes its own from then on.
    void this.feeds.stopSnapshots();
    this.releaseOwnership();
    const onFatal = this.options.onFatal;
    if (onFatal === null) {
      this.options.logger.fatal({ err: error }, 'the root supervisor gave up');
      return;
    }
    try {
      onFatal(error);
    } catch (thrown) {
      this.options.logger.error({ err: thrown }, 'onFatal threw');
    }
  }

  get events$(): Observable<WardenEvent> {
    return this.bus.events$;
  }

  on<K extends WardenEventType>(type: K, listener: (event: WardenEventOf<K>) => void): Disposable {
    if (!isWardenEventType(type)) {
      throw new InvalidOptionError('event', 'the name of an event Warden emits', type);
    }
    checkFunction('listener', listener);
    return this.bus.on(type, listener);
  }

  breaker<F = never>(name: string, options?: BreakerOptions<F>): Breaker<F> {
    if (this.lifecycle.closing) throw new NotRunningError('create a breaker', this.lifecycle.state);
    return this.breakers.get(name, options) as Breaker<F>;
  }

  pool<R>(name: string, options?: PoolOptions<R>): Pool<R> {
    if (this.lifecycle.closing && (options !== undefined || this.pools.find(name) === undefined)) {
      throw new NotRunningError('create a pool', this.lifecycle.state);
    }
    return this.pools.get(name, options) as Pool<R>;
  }
}

/** Creates a Warden; call `start()` to open the database and begin running jobs. */
export function createWarden(options?: WardenOptions): Warden {
  return new WardenInstance(options);
}

import { serializeError, type SerializedError } from '../errors.js';
import type { Disposable } from '../events/eventBus.js';
import type { WardenEventOf, WardenEventType } from '../events/types.js';
import {
  breakersCheck,
  countCheck,
  eventLoopCheck,
  poolsCheck,
  storeCheck,
  supervisionCheck,
  type PoolFigures,
} from './healthChecks.js';
import { EventLoopWindow, monitorEventLoop } from './healthEventLoop.js';
import type { ResolvedHealthOptions } from './healthOptions.js';
import { worstCheck, type Health, type HealthChecks, type WardenState } from './healthTypes.js';
import { EventWindow, type CommitLatency } from './healthWindows.js';

/** What `health()` reads: each read is in memory, none touches the database. */
export interface HealthSources {
  readonly now: () => number;
  readonly options: ResolvedHealthOptions;
  /** The lifecycle state. */
  lifecycle(): WardenState;
  /** Why Warden is down (its root gave up, or its file was taken over), once it is. */
  downBecause(): Error | undefined;
  /** The root supervisor's state (`failing` the moment it gives up). */
  rootState(): string;
  /** The root supervisor's last error, read once it has given up. */
  rootError(): SerializedError | undefined;
  readonly runner: {
    /** Set while group commits fail. */
    readonly failure: Error | undefined;
    readonly running: number;
    readonly failures: { readonly count: number };
    readonly commitLatency: CommitLatency;
  };
  breakers(): Iterable<{ readonly name: string; readonly state: string }>;
  pools(): Iterable<{ readonly name: string; readonly stats: Omit<PoolFigures, 'name'> }>;
  /** Subscribes to one event type of the Warden's bus. */
  on<K extends WardenEventType>(type: K, listener: (event: WardenEventOf<K>) => void): Disposable;
}

/**
 * Keeps what `warden.health()` reports: counts of escalations, dead letters and stalls over
 * their windows (from the events), the dead-lettered actors, and the event-loop delay; and reads
 * the rest (the root's state, commits, breakers, pools) at each call. Synchronous and cheap.
 */
export class HealthMonitor {
  private readonly escalations = new EventWindow();
  private readonly deadJobs = new EventWindow();
  private readonly stalls = new EventWindow();
  private readonly deadActors = new Set<string>();
  private readonly eventLoop: EventLoopWindow;
  private readonly subscriptions: Disposable[];

  constructor(private readonly sources: HealthSources) {
    const { options } = sources;
    this.eventLoop = new EventLoopWindow(
      options.eventLoop.sampler ?? monitorEventLoop(),
      options.eventLoop.windowMs,
    );
    this.subscriptions = [
      sources.on('supervisor.escalated', (event) => {
        this.escalations.record(event.at);
      }),
      sources.on('job.dead', (event) => {
        this.deadJobs.record(event.at);
      }),
      sources.on('job.stalled', (event) => {
        this.stalls.record(event.at);
      }),
      sources.on('actor.dead', (event) => this.deadActors.add(event.actorId)),
      sources.on('actor.revived', (event) => this.deadActors.delete(event.actorId)),
    ];
  }

  /** Starts measuring the event loop; `deadAtStart` are the actors dead-lettered before this process. */
  start(deadAtStart: Iterable<string>): void {
    for (const id of deadAtStart) this.deadActors.add(id);
    this.eventLoop.start(this.sources.now());
  }

  /** Stops measuring; the figures stay readable. */
  stop(): void {
    this.eventLoop.stop();
    for (const subscription of this.subscriptions.splice(0)) subscription.dispose();
  }

  /** The checks, their worst status (unhealthy whenever Warden is not running), and the error. */
  health(): Health {
    const { sources } = this;
    const { options, runner } = sources;
    const now = sources.now();
    const lifecycle = sources.lifecycle();
    const root = sources.rootState();
    const down = sources.downBecause();
    const open = lifecycle === 'running' || lifecycle === 'stopping';
    const writeFailure = open ? runner.failure : undefined;
    const checks: HealthChecks = {
      store: storeCheck(
        {
          failure: writeFailure,
          failedCommits: writeFailure === undefined ? 0 : runner.failures.count,
        },
        runner.commitLatency.summary(now, options.store.windowMs),
        options.store,
      ),
      supervision: supervisionCheck(
        {
          root,
          down: down !== undefined,
          escalations: this.escalations.count(now, options.supervision.windowMs),
          deadActors: [...this.deadActors].sort(),
        },
        options.supervision,
      ),
      breakers: breakersCheck(sources.breakers()),
      pools: poolsCheck(
        [...sources.pools()].map(({ name, stats }) => ({
          name,
          state: stats.state,
          utilisation: stats.utilisation,
          waiting: stats.waiting,
          saturated: stats.saturated,
          consecutiveCreateFailures: stats.consecutiveCreateFailures,
        })),
        options.pools,
      ),
      deadLetters: countCheck(
        'dead',
        {
          recent: this.deadJobs.count(now, options.deadLetters.windowMs),
          total: this.deadJobs.total,
        },
        options.deadLetters,
      ),
      stalls: countCheck(
        'stalled',
        { recent: this.stalls.count(now, options.stalls.windowMs), total: this.stalls.total },
        options.stalls,
      ),
      eventLoop: eventLoopCheck(this.eventLoop.read(now), options.eventLoop),
    };
    const worst = worstCheck(checks);
    const error =
      (down === undefined ? undefined : serializeError(down)) ??
      (checks.supervision.status === 'unhealthy' ? sources.rootError() : undefined) ??
      (writeFailure === undefined ? undefined : serializeError(writeFailure));
    return {
      status: lifecycle === 'running' ? worst : 'unhealthy',
      lifecycle,
      running: runner.running,
      checks,
      ...(error === undefined ? {} : { error }),
    };
  }
}

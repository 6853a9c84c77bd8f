import type { Breaker } from '../actors/breaker.js';
import type { Pool } from '../actors/pool.js';
import type { Clock } from '../clock.js';
import type { EventBus } from '../events/eventBus.js';
import { ErrorLog, type ErrorRecord, type ErrorRetention } from '../observability/errorLog.js';
import type { Logger } from '../observability/logger.js';
import { SnapshotPublisher, type SnapshotProvider } from '../observability/snapshotPublisher.js';
import { currentTrace } from '../observability/traceStorage.js';
import type { Health } from '../observability/healthTypes.js';
import type { SqliteStore } from '../persistence/sqliteStore.js';
import type { TreeNode } from '../supervisor/supervision.js';

/** What `OperatorFeeds` needs from the Warden that owns it. */
export interface OperatorFeedsParts {
  readonly store: SqliteStore;
  /** Told of the failures the database's triggers record, so that retention keeps up with them. */
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly errorRetention: ErrorRetention;
  readonly snapshotIntervalMs: number;
  /** The owner's token for a database file; none for an in-memory database (nobody else reads it). */
  readonly owner: string | undefined;
  /** The values published for other processes (the CLI, a dashboard), by name. */
  readonly snapshots: readonly SnapshotProvider[];
}

/**
 * What the owner writes for operators besides its jobs: the error log (failures the triggers do
 * not see: pools, refused commits, commands), trimmed to its retention, and, for a database file,
 * the runtime snapshots (`tree`, `health`, `pools`, `breakers`, `metrics`) that the `warden` CLI
 * reads from another process. Both run on the injected clock with unref'd timers.
 */
export class OperatorFeeds {
  readonly errorLog: ErrorLog;
  private readonly publisher: SnapshotPublisher | undefined;

  constructor(parts: OperatorFeedsParts) {
    const { store, clock, logger } = parts;
    this.errorLog = new ErrorLog({
      store,
      clock,
      logger,
      retention: parts.errorRetention,
      trace: currentTrace,
    });
    const noteFailure = (): void => {
      void this.errorLog.noteFailure();
    };
    parts.bus.on('job.retrying', noteFailure);
    parts.bus.on('job.dead', noteFailure);
    parts.bus.on('actor.exited', (event) => {
      if (event.reason === 'abnormal') noteFailure();
    });
    parts.bus.on('breaker.opened', noteFailure);
    if (parts.owner !== undefined) {
      this.publisher = new SnapshotPublisher({
        store,
        clock,
        logger,
        owner: parts.owner,
        intervalMs: parts.snapshotIntervalMs,
      });
      for (const provider of parts.snapshots) this.publisher.add(provider);
    }
  }

  /** Records a failure as an error event (once started). */
  readonly record = (record: ErrorRecord): void => {
    this.errorLog.record(record);
  };

  /** Starts recording failures and trimming error events (before the tree starts). */
  startErrorLog(): void {
    this.errorLog.start();
  }

  /** Starts publishing snapshots; resolves once the first round is written (or logged as refused). */
  async startSnapshots(): Promise<void> {
    await this.publisher?.start();
  }

  /** Publishes the state Warden is in a last time, and stops publishing. */
  async stopSnapshots(): Promise<void> {
    await this.publisher?.stop();
  }

  /** Stops publishing (after a last round), then writes the buffered error events. */
  async stop(): Promise<void> {
    await this.stopSnapshots();
    await this.errorLog.stop();
  }
}

/** Where the owner's snapshots are read from. */
export interface OwnerState {
  health(): Health;
  /** True once `stop()` has stopped everything but the file: the last round says `stopped`. */
  stopped(): boolean;
  tree(): TreeNode;
  breakers(): readonly Breaker<unknown>[];
  pools(): readonly Pool<unknown>[];
  metrics(): Promise<string>;
}

/** What the owner of a database file publishes for the CLI and dashboards (docs/cli.md). */
export function ownerSnapshots(state: OwnerState): SnapshotProvider[] {
  return [
    {
      name: 'health',
      read: () => {
        const health = state.health();
        return state.stopped() ? { ...health, lifecycle: 'stopped' } : health;
      },
    },
    { name: 'tree', read: () => state.tree() },
    {
      name: 'breakers',
      read: () => state.breakers().map((b) => ({ name: b.name, state: b.state, stats: b.stats })),
    },
    { name: 'pools', read: () => state.pools().map((p) => ({ name: p.name, stats: p.stats })) },
    { name: 'metrics', read: async () => ({ text: await state.metrics() }) },
  ];
}

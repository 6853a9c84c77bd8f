import { trackWork, type Clock, type TimerHandle } from '../clock.js';
import type { SnapshotRow } from '../persistence/sqlite/snapshots.js';
import type { Logger } from './logger.js';

/** One named value the owner publishes for other processes (the CLI, a dashboard). */
export interface SnapshotProvider {
  /** The row's name in `runtime_snapshots`: `tree`, `pools`, `health`... */
  readonly name: string;
  /** Reads the value now; it must be JSON-able. */
  read(): unknown;
}

/** Where snapshots are written: the SQLite store. */
export interface SnapshotStore {
  publishSnapshots(rows: readonly SnapshotRow[], at: number, owner: string): Promise<void>;
}

/** Options of a `SnapshotPublisher`. */
export interface SnapshotPublisherOptions {
  readonly store: SnapshotStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The owner's token, written with every row. */
  readonly owner: string;
  /** How often every snapshot is written again. */
  readonly intervalMs: number;
}

/** The default `snapshotIntervalMs`, and its bounds. */
export const defaultSnapshotIntervalMs = 1000;
export const snapshotIntervalBounds = { min: 10, max: 3_600_000 } as const;

/**
 * Publishes the owner's runtime state for other processes: every `intervalMs` (a timer on the
 * injected clock, unref'd) and at start and stop, it reads each provider and writes all of them
 * in one transaction on the writer, never blocking this thread. A provider that throws (or
 * returns what JSON cannot hold) is left out of that round and logged; the others are written.
 */
export class SnapshotPublisher {
  private readonly providers = new Map<string, SnapshotProvider>();
  private timer: TimerHandle | undefined;
  private publishing: Promise<void> | undefined;
  private running = false;

  constructor(private readonly options: SnapshotPublisherOptions) {}

  /** Adds a provider (replacing one of the same name); it is published from the next round on. */
  add(provider: SnapshotProvider): this {
    this.providers.set(provider.name, provider);
    return this;
  }

  /** The names published, in the order they were added. */
  get names(): string[] {
    return [...this.providers.keys()];
  }

  /** Publishes now, then every `intervalMs`. */
  start(): Promise<void> {
    if (this.running) return this.publishing ?? Promise.resolve();
    this.running = true;
    return this.publishNow();
  }

  /** Stops the timer and publishes a last time (the state Warden stopped in). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.publishing;
    await this.publishNow();
  }

  /** Reads every provider and writes them in one transaction; one round at a time. */
  publishNow(): Promise<void> {
    if (this.publishing !== undefined) return this.publishing;
    const { store, clock, logger, owner } = this.options;
    const round = trackWork(
      this.read().then((rows) => store.publishSnapshots(rows, clock.now(), owner)),
    )
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'runtime snapshots could not be published');
      })
      .finally(() => {
        this.publishing = undefined;
        this.arm();
      });
    this.publishing = round;
    return round;
  }

  private async read(): Promise<SnapshotRow[]> {
    const rows: SnapshotRow[] = [];
    for (const provider of this.providers.values()) {
      try {
        const body = JSON.stringify((await provider.read()) ?? null);
        rows.push({ name: provider.name, bodyJson: body });
      } catch (error) {
        this.options.logger.warn(
          { err: error, snapshot: provider.name },
          'a runtime snapshot could not be read',
        );
      }
    }
    return rows;
  }

  private arm(): void {
    if (!this.running || this.timer !== undefined) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      void this.publishNow();
    }, this.options.intervalMs);
  }
}

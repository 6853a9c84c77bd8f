import { trackWork, type Clock } from '../clock.js';
import { coerceError, serializeError } from '../errors.js';
import { checkInteger, checkOptions, keysOf } from '../options.js';
import type { ErrorSource, NewErrorEvent } from '../persistence/sqlite/errorEvents.js';
import type { Logger } from './logger.js';

/** How long error events are kept: whichever limit is reached first trims. */
export interface ErrorRetention {
  /** Events older than this are deleted. @default 7 days */
  readonly maxAgeMs: number;
  /** At most this many events are kept, the newest. @default 100_000 */
  readonly maxRows: number;
}

/** The default retention of error events. */
export const defaultErrorRetention = {
  maxAgeMs: 7 * 24 * 3_600_000,
  maxRows: 100_000,
} as const satisfies ErrorRetention;

/** How often, at most, the owner trims error events, and how many rows one delete takes at most. */
export const trimEveryMs = 60_000;
export const trimChunkRows = 500;

/** Where the error log writes: the SQLite store's error-event methods. */
export interface ErrorEventStore {
  recordErrors(events: readonly NewErrorEvent[]): Promise<void>;
  trimErrors(cutoff: number, maxRows: number, chunk: number): Promise<number>;
}

/** The trace a failure happened in, when one is active. */
export interface ActiveTrace {
  readonly traceId: string;
  readonly spanId: string;
}

/** Options of an `ErrorLog`. */
export interface ErrorLogOptions {
  readonly store: ErrorEventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retention: ErrorRetention;
  /** The trace context active where a failure is recorded. @default none */
  readonly trace?: () => ActiveTrace | undefined;
}

/** A failure to record: where, what, and the error (anything thrown). */
export interface ErrorRecord {
  readonly source: ErrorSource;
  readonly subject: string;
  readonly kind: string;
  readonly error: unknown;
  readonly jobType?: string;
  readonly attempt?: number;
}

/**
 * The error events the owner records itself (pools, the store's refusals, commands): buffered
 * and written in one transaction at the end of the current tick, on the writer (never blocking
 * this thread); and their retention, trimmed in small deletes at start and then as failures come
 * in, at most once every `trimEveryMs`. It keeps no timer: an idle Warden wakes for nothing, and
 * a table that stopped growing is trimmed at the next failure or the next start.
 */
export class ErrorLog {
  private pending: NewErrorEvent[] = [];
  private flushing: Promise<void> | undefined;
  private trimming: Promise<void> | undefined;
  private lastTrimAt = Number.NEGATIVE_INFINITY;
  private running = false;

  constructor(private readonly options: ErrorLogOptions) {}

  /** Records a failure, stamped with the time and the active trace; written at the end of the tick. */
  record(record: ErrorRecord): void {
    if (!this.running) return;
    const trace = this.activeTrace();
    this.pending.push({
      at: this.options.clock.now(),
      source: record.source,
      subject: record.subject,
      kind: record.kind,
      error: record.error === null ? null : serializeError(coerceError(record.error)),
      jobType: record.jobType,
      attempt: record.attempt,
      traceId: trace?.traceId,
      spanId: trace?.spanId,
    });
    if (this.pending.length === 1) queueMicrotask(() => void this.flush());
    void this.noteFailure();
  }

  /**
   * A failure was recorded, here or by the database's own triggers (a job's failed attempt, an
   * actor's abnormal exit, a breaker opening): trims if the last trim is `trimEveryMs` old.
   */
  noteFailure(): Promise<void> {
    if (this.running && this.options.clock.now() - this.lastTrimAt >= trimEveryMs) {
      return this.trimNow();
    }
    return this.trimming ?? Promise.resolve();
  }

  /** Starts recording, and trims once now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.trimNow();
  }

  /** Stops recording and writes what is buffered; resolves once that and any trim are done. */
  async stop(): Promise<void> {
    this.running = false;
    await this.flush();
    await this.trimming;
  }

  /** Writes what is buffered; a refusal is logged and those events are dropped. */
  flush(): Promise<void> {
    if (this.pending.length === 0) return this.flushing ?? Promise.resolve();
    const events = this.pending;
    this.pending = [];
    const previous = this.flushing ?? Promise.resolve();
    const done = previous
      .then(() => trackWork(this.options.store.recordErrors(events)))
      .catch((error: unknown) => {
        this.options.logger.error(
          { err: error, events: events.length },
          'error events could not be recorded',
        );
      });
    this.flushing = done;
    void done.finally(() => {
      if (this.flushing === done) this.flushing = undefined;
    });
    return done;
  }

  /** Trims now, unless a trim is under way (then it is that trim). */
  trimNow(): Promise<void> {
    if (this.trimming !== undefined) return this.trimming;
    const { store, clock, retention, logger } = this.options;
    this.lastTrimAt = clock.now();
    const trim = trackWork(
      store.trimErrors(clock.now() - retention.maxAgeMs, retention.maxRows, trimChunkRows),
    )
      .then(
        (deleted) => {
          if (deleted > 0) logger.debug({ deleted }, 'trimmed error events');
        },
        (error: unknown) => {
          logger.warn({ err: error }, 'error events could not be trimmed');
        },
      )
      .finally(() => {
        this.trimming = undefined;
      });
    this.trimming = trim;
    return trim;
  }

  private activeTrace(): ActiveTrace | undefined {
    try {
      return this.options.trace?.();
    } catch {
      return undefined;
    }
  }
}

/** `errorRetention` as `createWarden` takes it: either limit may be left out. */
export interface ErrorRetentionOptions {
  /** Events older than this are deleted, from 1 minute to 10 years. @default 7 days */
  readonly maxAgeMs?: number;
  /** At most this many events are kept, the newest, from 100 up. @default 100_000 */
  readonly maxRows?: number;
}

/** Validates `errorRetention` (unknown keys refused) and fills in its defaults. */
export function resolveErrorRetention(input: unknown): ErrorRetention {
  const given = checkOptions<ErrorRetentionOptions>(
    'errorRetention',
    input,
    keysOf<ErrorRetentionOptions>({ maxAgeMs: true, maxRows: true }),
  );
  return {
    maxAgeMs: checkInteger(
      'errorRetention.maxAgeMs',
      given.maxAgeMs ?? defaultErrorRetention.maxAgeMs,
      60_000,
      10 * 365 * 24 * 3_600_000,
    ),
    maxRows: checkInteger(
      'errorRetention.maxRows',
      given.maxRows ?? defaultErrorRetention.maxRows,
      100,
      100_000_000,
    ),
  };
}

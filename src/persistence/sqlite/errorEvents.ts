import type Database from 'better-sqlite3';
import { InvalidOptionError, type SerializedError } from '../../errors.js';
import { checkInteger, checkOptions, checkString, keysOf } from '../../options.js';
import type { SqlStatement } from './batchWriter.js';

/** Where a recorded failure happened. */
export type ErrorSource = 'job' | 'actor' | 'breaker' | 'pool' | 'store' | 'command';

/** Every source, for checking one given at run time. */
export const errorSources: readonly ErrorSource[] = [
  'job',
  'actor',
  'breaker',
  'pool',
  'store',
  'command',
];

/** One recorded failure: what failed, where, when, the error and the trace it happened in. */
export interface ErrorEvent {
  /** Increases with each event recorded: pass it as `before` for the page after it. */
  readonly id: string;
  /** When it happened (ms since the epoch). */
  readonly at: number;
  readonly source: ErrorSource;
  /** The job's id, the actor's id, the breaker's or pool's name, the database file. */
  readonly subject: string;
  /** What failed: a job event (`FAIL`, `TIMEOUT`, ...), `exited`, `opened`, `create`, `commit`... */
  readonly kind: string;
  /** For jobs: the job's type. */
  readonly jobType: string | null;
  /** For jobs: the attempt that failed. */
  readonly attempt: number | null;
  /** The error; a breaker's opening carries its cause as the message of a `BreakerOpened`. */
  readonly error: SerializedError | null;
  readonly traceId: string | null;
  readonly spanId: string | null;
}

/** A failure the owner records itself (pools, the store, commands). */
export interface NewErrorEvent {
  readonly at: number;
  readonly source: ErrorSource;
  readonly subject: string;
  readonly kind: string;
  readonly error: SerializedError | null;
  readonly jobType?: string | undefined;
  readonly attempt?: number | undefined;
  readonly traceId?: string | undefined;
  readonly spanId?: string | undefined;
}

/** Filters of `listErrorEvents`; every one narrows the list. */
export interface ErrorEventFilter {
  readonly source?: ErrorSource;
  /** Needs no `source`: a subject is looked up under every source. */
  readonly subject?: string;
  readonly jobType?: string;
  /** Events at or after this time (ms since the epoch). */
  readonly since?: number;
  /** Events at or before this time (ms since the epoch). */
  readonly until?: number;
  /** The events older than this one's (an `id` of a page already read). */
  readonly before?: string;
  /** At most this many, from 1 to 1000. @default 100 */
  readonly limit?: number;
}

/** `ErrorEventFilter` checked, with its default limit. */
export interface ResolvedErrorEventFilter {
  readonly source: ErrorSource | undefined;
  readonly subject: string | undefined;
  readonly jobType: string | undefined;
  readonly since: number | undefined;
  readonly until: number | undefined;
  readonly before: number | undefined;
  readonly limit: number;
}

/** The default and the largest `limit` of `listErrorEvents`. */
export const defaultErrorLimit = 100;
export const maxErrorLimit = 1000;

const filterKeys = keysOf<ErrorEventFilter>({
  source: true,
  subject: true,
  jobType: true,
  since: true,
  until: true,
  before: true,
  limit: true,
});

function optional<T>(value: unknown, check: (value: unknown) => T): T | undefined {
  return value === undefined ? undefined : check(value);
}

/** Validates an error-event filter (unknown keys refused) and applies its default limit. */
export function resolveErrorEventFilter(input: unknown): ResolvedErrorEventFilter {
  const given = checkOptions<ErrorEventFilter>('error filter', input, filterKeys);
  const source = optional(given.source, (value) => {
    const found = errorSources.find((s) => s === value);
    if (found === undefined) {
      throw new InvalidOptionError(
        'source',
        `one of ${errorSources.map((s) => `\`'${s}'\``).join(', ')}`,
        value,
      );
    }
    return found;
  });
  const time = (name: string) => (value: unknown) => checkInteger(name, value, 0);
  const since = optional(given.since, time('since'));
  const until = optional(given.until, time('until'));
  const before = optional(given.before, (value) => {
    if (typeof value !== 'string' || !/^[1-9]\d{0,14}$/.test(value)) {
      throw new InvalidOptionError(
        'before',
        'the id of an error event (a string of digits)',
        value,
      );
    }
    return Number(value);
  });
  return {
    source,
    subject: optional(given.subject, (value) => checkString('subject', value, 4096)),
    jobType: optional(given.jobType, (value) => checkString('jobType', value, 4096)),
    since,
    until,
    before,
    limit: checkInteger('limit', given.limit ?? defaultErrorLimit, 1, maxErrorLimit),
  };
}

interface ErrorEventRow {
  id: number;
  at: number;
  source: ErrorSource;
  subject: string;
  kind: string;
  job_type: string | null;
  attempt: number | null;
  error: string | null;
  trace_id: string | null;
  span_id: string | null;
}

function isSerializedError(value: unknown): value is SerializedError {
  const fields = value as Partial<Record<keyof SerializedError, unknown>> | null;
  return (
    typeof fields === 'object' &&
    fields !== null &&
    typeof fields.name === 'string' &&
    typeof fields.message === 'string'
  );
}

/** A stored error: a SerializedError as it is; anything else (a breaker's cause) as a message. */
function toError(row: ErrorEventRow): SerializedError | null {
  if (row.error === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.error);
  } catch {
    parsed = row.error;
  }
  if (isSerializedError(parsed)) return parsed;
  if (row.source === 'breaker') return { name: 'BreakerOpened', message: openingCause(parsed) };
  return { name: 'Error', message: row.error };
}

/**
 * A breaker's opening cause as one line: `tripped (failure-rate): ECONNRESET`, from the cause
 * the breaker recorded (`{ reason, rule?, error? }`), or the stored text as it is.
 */
function openingCause(cause: unknown): string {
  if (typeof cause !== 'object' || cause === null) return String(cause);
  const { reason, rule, error } = cause as { reason?: unknown; rule?: unknown; error?: unknown };
  if (typeof reason !== 'string') return JSON.stringify(cause);
  const by = typeof rule === 'string' ? ` (${rule})` : '';
  const why = isSerializedError(error) ? `: ${error.message}` : '';
  return `${reason}${by}${why}`;
}

function toErrorEvent(row: ErrorEventRow): ErrorEvent {
  return {
    id: String(row.id),
    at: row.at,
    source: row.source,
    subject: row.subject,
    kind: row.kind,
    jobType: row.job_type,
    attempt: row.attempt,
    error: toError(row),
    traceId: row.trace_id,
    spanId: row.span_id,
  };
}

/**
 * Below this many events of one source, a listing by source reads them all through the subject
 * index and sorts them (a few ms at most); from it on, it walks the time index, newest first,
 * where that source is common enough to fill a page soon.
 */
export const sparseSourceRows = 4000;

const prepared = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function statement(db: Database.Database, sql: string): Database.Statement {
  let cache = prepared.get(db);
  if (cache === undefined) {
    cache = new Map();
    prepared.set(db, cache);
  }
  let found = cache.get(sql);
  if (found === undefined) {
    found = db.prepare(sql);
    cache.set(sql, found);
  }
  return found;
}

/** The SQL and parameters of a listing, planned so that an index serves it (see docs/errors.md). */
export function errorEventsQuery(
  db: Database.Database,
  filter: ResolvedErrorEventFilter,
  cursorAt: number | undefined,
): { readonly sql: string; readonly params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.subject !== undefined) {
    // The subject index, (source, subject, id): a few rows to sort.
    if (filter.source === undefined) {
      where.push(`source IN (${errorSources.map(() => '?').join(', ')})`);
      params.push(...errorSources);
    } else {
      where.push('source = ?');
      params.push(filter.source);
    }
    where.push('subject = ?');
    params.push(filter.subject);
  } else if (filter.source !== undefined) {
    const probe = statement(
      db,
      'SELECT count(*) AS n FROM (SELECT 1 FROM error_events WHERE source = ? LIMIT ?)',
    ).get(filter.source, sparseSourceRows) as { n: number };
    // A common source: walk the time index (`+` keeps SQLite off the subject index and its sort).
    where.push(probe.n < sparseSourceRows ? 'source = ?' : '+source = ?');
    params.push(filter.source);
  }
  if (filter.jobType !== undefined) {
    where.push('job_type = ?');
    params.push(filter.jobType);
  }
  if (filter.since !== undefined) {
    where.push('at >= ?');
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    where.push('at <= ?');
    params.push(filter.until);
  }
  if (filter.before !== undefined && cursorAt !== undefined) {
    // Older than the cursor in (at, id) order; the first term is a range of the time index.
    where.push('at <= ? AND (at < ? OR id < ?)');
    params.push(cursorAt, cursorAt, filter.before);
  }
  const condition = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
  params.push(filter.limit);
  return {
    sql: `SELECT * FROM error_events${condition} ORDER BY at DESC, id DESC LIMIT ?`,
    params,
  };
}

/**
 * Error events matching `filter`, newest first (by time, then by id): a pure read over any
 * connection to a Warden file (the CLI's read-only one included). A `before` whose event is gone
 * (trimmed by retention, which removes the oldest first) ends the listing.
 */
export function listErrorEvents(db: Database.Database, filter?: ErrorEventFilter): ErrorEvent[] {
  const resolved = resolveErrorEventFilter(filter);
  let cursorAt: number | undefined;
  if (resolved.before !== undefined) {
    const cursor = statement(db, 'SELECT at FROM error_events WHERE id = ?').get(
      resolved.before,
    ) as { at: number } | undefined;
    if (cursor === undefined) return [];
    cursorAt = cursor.at;
  }
  const { sql, params } = errorEventsQuery(db, resolved, cursorAt);
  return (statement(db, sql).all(...params) as ErrorEventRow[]).map(toErrorEvent);
}

const insertSql = `INSERT INTO error_events
  (at, source, subject, kind, job_type, attempt, error, trace_id, span_id)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The statements that insert `events`, for the writer (one transaction for all). */
export function insertErrorEventStatements(events: readonly NewErrorEvent[]): SqlStatement[] {
  return events.map((event) => ({
    sql: insertSql,
    params: [
      event.at,
      event.source,
      event.subject,
      event.kind,
      event.jobType ?? null,
      event.attempt ?? null,
      event.error === null ? null : JSON.stringify(event.error),
      event.traceId ?? null,
      event.spanId ?? null,
    ],
  }));
}

/** How many error events the file holds (SQLite counts a table's b-tree without reading rows). */
export function countErrorEvents(db: Database.Database): number {
  return (statement(db, 'SELECT count(*) AS n FROM error_events').get() as { n: number }).n;
}

/** Deletes at most `chunk` of the events older than `cutoff`, oldest first, over the time index. */
export function trimByAgeStatement(cutoff: number, chunk: number): SqlStatement {
  return {
    sql: `DELETE FROM error_events WHERE id IN
      (SELECT id FROM error_events WHERE at < ? ORDER BY at, id LIMIT ?)`,
    params: [cutoff, chunk],
  };
}

/** Deletes the `count` oldest events (by time, then id), over the time index. */
export function trimOldestStatement(count: number): SqlStatement {
  return {
    sql: `DELETE FROM error_events WHERE id IN
      (SELECT id FROM error_events ORDER BY at, id LIMIT ?)`,
    params: [count],
  };
}

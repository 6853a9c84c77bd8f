import type Database from 'better-sqlite3';
import type { BreakerState } from '../machines/circuitBreakerMachine.js';
import type { SqliteStore } from './sqliteStore.js';

/** A breaker's persisted state: what it resumes in after a restart. */
export interface BreakerRecord {
  readonly name: string;
  readonly state: BreakerState;
  /** Opens since it last closed. */
  readonly opens: number;
  /** For `open`: when it half-opens (ms since the epoch); otherwise null. */
  readonly openUntil: number | null;
  /** The open period after a failed trial, in ms. */
  readonly reopenMs: number;
  readonly changedAt: number;
}

/** One state change of a breaker, as recorded. */
export interface BreakerHistoryEntry {
  /** Null for the first change recorded for the breaker. */
  readonly from: BreakerState | null;
  readonly to: BreakerState;
  readonly at: number;
  /** For `open`: when it half-opens. */
  readonly openUntil: number | null;
  /** Why it changed: the trip rule and the window's counts, a trial's verdict, or a hand action. */
  readonly cause: unknown;
}

/** Durable storage for circuit breakers. */
export interface BreakerStore {
  /** The breaker's persisted state, or undefined for one never stored. */
  loadBreaker(name: string): BreakerRecord | undefined;
  /** Stores the breaker's new state and appends the change to its history, in one transaction. */
  saveBreakerChange(record: BreakerRecord, from: BreakerState | null, cause: unknown): void;
  /** The breaker's changes, oldest first; at most `limit`, the newest kept. */
  breakerHistory(name: string, limit: number): BreakerHistoryEntry[];
  /** Every stored breaker, by name. */
  listBreakers(): BreakerRecord[];
}

interface BreakerRow {
  name: string;
  state: BreakerState;
  opens: number;
  open_until: number | null;
  reopen_ms: number;
  changed_at: number;
}

interface BreakerEventRow {
  from_state: BreakerState | null;
  to_state: BreakerState;
  at: number;
  open_until: number | null;
  cause: string | null;
}

const saveSql = `INSERT INTO breakers (name, state, opens, open_until, reopen_ms, changed_at)
  VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (name) DO UPDATE SET state = excluded.state, opens = excluded.opens,
    open_until = excluded.open_until, reopen_ms = excluded.reopen_ms,
    changed_at = excluded.changed_at`;
const eventSql = `INSERT INTO breaker_events (name, from_state, to_state, at, open_until, cause)
  VALUES (?, ?, ?, ?, ?, ?)`;

function prepare(db: Database.Database) {
  return {
    load: db.prepare<[string], BreakerRow>('SELECT * FROM breakers WHERE name = ?'),
    list: db.prepare<[], BreakerRow>('SELECT * FROM breakers ORDER BY name'),
    history: db.prepare<[string, number], BreakerEventRow>(
      `SELECT * FROM (SELECT * FROM breaker_events WHERE name = ? ORDER BY id DESC LIMIT ?)
       ORDER BY id`,
    ),
  };
}

const statements = new WeakMap<Database.Database, ReturnType<typeof prepare>>();

function sqlOf(db: Database.Database): ReturnType<typeof prepare> {
  let sql = statements.get(db);
  if (sql === undefined) {
    sql = prepare(db);
    statements.set(db, sql);
  }
  return sql;
}

function toRecord(row: BreakerRow): BreakerRecord {
  return {
    name: row.name,
    state: row.state,
    opens: row.opens,
    openUntil: row.open_until,
    reopenMs: row.reopen_ms,
    changedAt: row.changed_at,
  };
}

/** The breaker tables of the SQLite store. */
export class SqliteBreakerStore implements BreakerStore {
  constructor(private readonly store: SqliteStore) {}

  loadBreaker(name: string): BreakerRecord | undefined {
    const row = sqlOf(this.store.reader()).load.get(name);
    return row === undefined ? undefined : toRecord(row);
  }

  saveBreakerChange(record: BreakerRecord, from: BreakerState | null, cause: unknown): void {
    // Written at once (through the writer thread): a restart reads it back.
    this.store.writeSync([
      {
        sql: saveSql,
        params: [
          record.name,
          record.state,
          record.opens,
          record.openUntil,
          record.reopenMs,
          record.changedAt,
        ],
      },
      {
        sql: eventSql,
        params: [
          record.name,
          from,
          record.state,
          record.changedAt,
          record.openUntil,
          cause === undefined ? null : JSON.stringify(cause),
        ],
      },
    ]);
  }

  breakerHistory(name: string, limit: number): BreakerHistoryEntry[] {
    return sqlOf(this.store.reader())
      .history.all(name, limit)
      .map((row) => ({
        from: row.from_state,
        to: row.to_state,
        at: row.at,
        openUntil: row.open_until,
        cause: row.cause === null ? null : (JSON.parse(row.cause) as unknown),
      }));
  }

  listBreakers(): BreakerRecord[] {
    return sqlOf(this.store.reader()).list.all().map(toRecord);
  }
}

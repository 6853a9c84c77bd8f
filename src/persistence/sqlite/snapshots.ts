import type Database from 'better-sqlite3';
import type { SqlStatement } from './batchWriter.js';

/** What the file's owner published under one name, for other processes to read. */
export interface RuntimeSnapshot {
  /** When it was written (ms since the epoch, the owner's clock). */
  readonly at: number;
  /** The token of the owner that wrote it. */
  readonly owner: string;
  /** The published value, parsed from its JSON. */
  readonly body: unknown;
}

/** One snapshot to write: its name and its body as JSON text. */
export interface SnapshotRow {
  readonly name: string;
  readonly bodyJson: string;
}

const upsertSql = `INSERT INTO runtime_snapshots (name, at, owner, body) VALUES (?, ?, ?, ?)
  ON CONFLICT (name) DO UPDATE SET at = excluded.at, owner = excluded.owner, body = excluded.body`;

/** The statements that write `rows` (one transaction for all), replacing earlier ones by name. */
export function upsertSnapshotStatements(
  rows: readonly SnapshotRow[],
  at: number,
  owner: string,
): SqlStatement[] {
  return rows.map((row) => ({ sql: upsertSql, params: [row.name, at, owner, row.bodyJson] }));
}

const prepared = new WeakMap<Database.Database, Database.Statement<[string], SnapshotDbRow>>();

interface SnapshotDbRow {
  at: number;
  owner: string;
  body: string;
}

/**
 * The snapshot published under `name`, or undefined when none was: a pure read over any
 * connection to a Warden file (the CLI's read-only one included). Compare `at` with the time
 * to tell a live owner's snapshot from one a stopped owner left behind.
 */
export function readSnapshot(db: Database.Database, name: string): RuntimeSnapshot | undefined {
  let select = prepared.get(db);
  if (select === undefined) {
    select = db.prepare<[string], SnapshotDbRow>(
      'SELECT at, owner, body FROM runtime_snapshots WHERE name = ?',
    );
    prepared.set(db, select);
  }
  const row = select.get(name);
  if (row === undefined) return undefined;
  return { at: row.at, owner: row.owner, body: JSON.parse(row.body) as unknown };
}

/**
 * Writes what a live owner leaves in a file — its `owner` row and its `runtime_snapshots` — so
 * that the CLI's snapshot readers can be tested without a running owner. The owner written is
 * this process (live while its heartbeat is recent by the reader's clock).
 */
import Database from 'better-sqlite3';
import { thisProcess } from '../../src/supervisor/ownership.js';

function write(database: string, run: (db: Database.Database) => void): void {
  const db = new Database(database);
  try {
    run(db);
  } finally {
    db.close();
  }
}

/** Makes this process the file's owner, started at `startedAt`, last alive at `heartbeatAt`. */
export function writeOwner(
  database: string,
  times: { readonly startedAt: number; readonly heartbeatAt: number },
  pid = process.pid,
): void {
  const me = thisProcess(times.heartbeatAt);
  write(database, (db) => {
    db.prepare(
      `INSERT OR REPLACE INTO owner (id, token, pid, host, process_started_at, started_at, heartbeat_at)
       VALUES (1, 'test-owner', ?, ?, ?, ?, ?)`,
    ).run(pid, me.host, me.processStartedAt, times.startedAt, times.heartbeatAt);
  });
}

/** Removes the file's owner row. */
export function clearOwner(database: string): void {
  write(database, (db) => db.prepare('DELETE FROM owner').run());
}

/** Publishes `body` under `name`, written at `at`, as the owner would. */
export function writeSnapshot(
  database: string,
  name: string,
  body: unknown,
  at: number,
  owner = 'test-owner',
): void {
  write(database, (db) => {
    db.prepare(
      'INSERT OR REPLACE INTO runtime_snapshots (name, at, owner, body) VALUES (?, ?, ?, ?)',
    ).run(name, at, owner, JSON.stringify(body));
  });
}

/** Removes every snapshot, as in a file no owner of this version has run on. */
export function clearSnapshots(database: string): void {
  write(database, (db) => db.prepare('DELETE FROM runtime_snapshots').run());
}

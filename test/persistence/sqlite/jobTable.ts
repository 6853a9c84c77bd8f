import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { migrations, WARDEN_APPLICATION_ID } from '../../../src/persistence/schema.js';

const opened: Database.Database[] = [];

afterEach(() => {
  for (const db of opened.splice(0).reverse()) if (db.open) db.close();
});

/** A connection closed after the test. */
export function connection(filename = ':memory:'): Database.Database {
  const db = new Database(filename);
  opened.push(db);
  return db;
}

/** Applies the first `count` migrations (all by default) as `open()` does, in one transaction. */
export function migrate(db: Database.Database, count = migrations.length): void {
  db.transaction(() => {
    for (const migration of migrations.slice(0, count)) {
      if (typeof migration === 'function') migration(db);
      else db.exec(migration);
    }
    db.pragma(`application_id = ${WARDEN_APPLICATION_ID}`);
    db.pragma(`user_version = ${count}`);
  })();
}

/** A fresh in-memory database at the latest schema. */
export function migrated(): Database.Database {
  const db = connection();
  migrate(db);
  return db;
}

/** Inserts a job row the way an enqueue does (but in any status); returns its id. */
export function insertRow(db: Database.Database, type: string, status: string): number {
  return Number(
    db
      .prepare(
        `INSERT INTO jobs (type, status, payload, priority, run_at, max_attempts, created_at, updated_at, last_event)
         VALUES (?, ?, '{}', 0, 1000, 3, 1000, 1000, 'ENQUEUE')`,
      )
      .run(type, status).lastInsertRowid,
  );
}

/** Moves a job to `status`, bumping its version as every status change must. */
export function setStatus(db: Database.Database, id: number, status: string): void {
  db.prepare(
    `UPDATE jobs SET status = ?, version = version + 1, last_event = 'DUE' WHERE id = ?`,
  ).run(status, id);
}

/** `SELECT type, status, count(*)` over the jobs table: what the counts must say. */
export function groupCounts(db: Database.Database): { type: string; status: string; n: number }[] {
  return db
    .prepare(
      'SELECT type, status, count(*) AS n FROM jobs GROUP BY type, status ORDER BY type, status',
    )
    .all() as { type: string; status: string; n: number }[];
}

/** The rows of `job_counts` that count something, in the order of `groupCounts`. */
export function keptCounts(db: Database.Database): { type: string; status: string; n: number }[] {
  return db
    .prepare(
      'SELECT type, status, sum(n) AS n FROM job_counts GROUP BY type, status HAVING sum(n) <> 0 ORDER BY type, status',
    )
    .all() as { type: string; status: string; n: number }[];
}

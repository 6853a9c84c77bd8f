import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations, type Migration } from '../../src/persistence/schema.js';

const opened: Database.Database[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

function apply(db: Database.Database, migration: Migration): void {
  if (typeof migration === 'function') migration(db);
  else db.exec(migration);
}

/** An in-memory database at schema version 4, with `extra` SQL run on it (a development build's shape). */
function versionFour(extra = ''): Database.Database {
  const db = new Database(':memory:');
  opened.push(db);
  for (const migration of migrations.slice(0, 4)) apply(db, migration);
  if (extra !== '') db.exec(extra);
  return db;
}

/** How many columns of `table` are named `name`. */
function columnCount(db: Database.Database, table: string, name: string): number {
  const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
  return columns.filter((column) => column.name === name).length;
}

const migrationFive = migrations[4]!;

describe('migration 5', () => {
  it.each([
    ['as migration 4 left it', ''],
    [
      'with the owner start time of a development build',
      'ALTER TABLE owner ADD COLUMN process_started_at INTEGER NOT NULL DEFAULT 0;',
    ],
    [
      'with both of its columns from a development build',
      `ALTER TABLE owner ADD COLUMN process_started_at INTEGER NOT NULL DEFAULT 0;
       ALTER TABLE jobs ADD COLUMN fallback_by TEXT;`,
    ],
  ])('converges from a version 4 file %s', (_, extra) => {
    const db = versionFour(extra);
    apply(db, migrationFive);
    expect(columnCount(db, 'owner', 'process_started_at')).toBe(1);
    expect(columnCount(db, 'jobs', 'fallback_by')).toBe(1);
    expect(
      db
        .prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'jobs_status_needs_version'")
        .get(),
    ).toEqual({ n: 1 });
  });

  it('changes nothing when run again', () => {
    const db = versionFour();
    apply(db, migrationFive);
    const schema = (): unknown => db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all();
    const before = schema();
    apply(db, migrationFive);
    expect(schema()).toEqual(before);
  });

  it('refuses a status change that does not bump the version', () => {
    const db = versionFour();
    apply(db, migrationFive);
    db.prepare(
      `INSERT INTO jobs (type, status, payload, run_at, max_attempts, created_at, updated_at,
         last_event) VALUES ('email', 'queued', '{}', 0, 3, 0, 0, 'ENQUEUE')`,
    ).run();
    expect(() => db.prepare("UPDATE jobs SET status = 'running' WHERE id = 1").run()).toThrow(
      'a job status change must bump the version',
    );
    db.prepare(
      "UPDATE jobs SET status = 'running', version = version + 1, last_event = 'START' WHERE id = 1",
    ).run();
    expect(db.prepare('SELECT status, version FROM jobs').get()).toEqual({
      status: 'running',
      version: 1,
    });
    expect(db.prepare('SELECT to_status, event FROM job_events ORDER BY version').all()).toEqual([
      { to_status: 'queued', event: 'ENQUEUE' },
      { to_status: 'running', event: 'START' },
    ]);
  });
});

import type Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobStatuses, type JobStatus } from '../../../src/machines/jobMachine.js';
import { migrations } from '../../../src/persistence/schema.js';
import { countJobs } from '../../../src/persistence/sqlite/countJobs.js';
import { openDatabase } from '../../../src/persistence/sqlite/openDatabase.js';
import { tempDatabase } from '../../helpers.js';
import {
  connection,
  groupCounts,
  insertRow,
  keptCounts,
  migrate,
  migrated,
  setStatus,
} from './jobTable.js';

/** The migration that adds `job_counts`. */
const countsSince = migrations.findIndex(
  (migration) => typeof migration === 'string' && migration.includes('CREATE TABLE job_counts'),
);

const types = ['email', 'sms', 'push'] as const;
/** The machine's statuses and one it does not know: the triggers count whatever a row says. */
const statuses = [...jobStatuses, 'archived'] as const;

type Op =
  | { readonly kind: 'insert'; readonly type: string; readonly status: string }
  | { readonly kind: 'status'; readonly pick: number; readonly status: string }
  | { readonly kind: 'type'; readonly pick: number; readonly type: string }
  | { readonly kind: 'batch'; readonly picks: readonly number[]; readonly status: string }
  | { readonly kind: 'replay' }
  | { readonly kind: 'touch' | 'same' | 'delete'; readonly pick: number }
  | { readonly kind: 'undone'; readonly ops: readonly Op[] };

const leaf: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    type: fc.constantFrom(...types),
    status: fc.constantFrom(...statuses),
  }),
  fc.record({
    kind: fc.constant('status' as const),
    pick: fc.nat(),
    status: fc.constantFrom(...statuses),
  }),
  fc.record({
    kind: fc.constant('type' as const),
    pick: fc.nat(),
    type: fc.constantFrom(...types),
  }),
  fc.record({
    kind: fc.constant('batch' as const),
    picks: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
    status: fc.constantFrom(...statuses),
  }),
  fc.constant({ kind: 'replay' as const }),
  fc.record({
    kind: fc.constantFrom('touch' as const, 'same' as const, 'delete' as const),
    pick: fc.nat(),
  }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 9, arbitrary: leaf },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('undone' as const),
      ops: fc.array(leaf, { maxLength: 5 }),
    }),
  },
);

function ids(db: Database.Database): number[] {
  return db.prepare('SELECT id FROM jobs ORDER BY id').pluck().all() as number[];
}

function apply(db: Database.Database, step: Op): void {
  const all = ids(db);
  const pick = (n: number): number | undefined => all[n % Math.max(1, all.length)];
  switch (step.kind) {
    case 'insert':
      insertRow(db, step.type, step.status);
      return;
    case 'status': {
      const id = pick(step.pick);
      if (id !== undefined) setStatus(db, id, step.status);
      return;
    }
    case 'type': {
      const id = pick(step.pick);
      if (id !== undefined) db.prepare('UPDATE jobs SET type = ? WHERE id = ?').run(step.type, id);
      return;
    }
    case 'batch': {
      // One statement for many rows, as a group commit's status changes are written.
      const chosen = [...new Set(step.picks.map(pick))].filter((id) => id !== undefined);
      if (chosen.length === 0) return;
      db.prepare(
        `WITH v (id, status) AS (VALUES ${chosen.map(() => '(?, ?)').join(', ')})
         UPDATE jobs SET status = v.status, version = jobs.version + 1, last_event = 'FAIL'
         FROM v WHERE jobs.id = v.id`,
      ).run(chosen.flatMap((id) => [id, step.status]));
      return;
    }
    case 'replay':
      db.prepare(
        `UPDATE jobs SET status = 'queued', attempt = 0, version = version + 1, last_event = 'REPLAY'
         WHERE id = (SELECT id FROM jobs WHERE status IN ('dead', 'cancelled') ORDER BY id LIMIT 1)`,
      ).run();
      return;
    case 'touch': {
      const id = pick(step.pick);
      if (id !== undefined)
        db.prepare(`UPDATE jobs SET progress = '{"done":1}' WHERE id = ?`).run(id);
      return;
    }
    case 'same': {
      const id = pick(step.pick);
      if (id !== undefined) {
        db.prepare(
          'UPDATE jobs SET status = status, type = type, version = version + 1 WHERE id = ?',
        ).run(id);
      }
      return;
    }
    case 'delete': {
      const id = pick(step.pick);
      if (id === undefined) return;
      // With its history, as a clean-up of old jobs would: a later insert may reuse the id.
      db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
      db.prepare('DELETE FROM job_events WHERE job_id = ?').run(id);
      return;
    }
    case 'undone': {
      // A refused step of a group commit: its savepoint is rolled back, counts with it.
      db.exec('SAVEPOINT step');
      for (const inner of step.ops) apply(db, inner);
      db.exec('ROLLBACK TO step; RELEASE step');
      return;
    }
  }
}

function zeroCounts(): Record<JobStatus, number> {
  return Object.fromEntries(jobStatuses.map((status) => [status, 0])) as Record<JobStatus, number>;
}

/** countJobs as a full scan would answer it. */
function scanned(db: Database.Database, type?: string): Record<JobStatus, number> {
  const counts = zeroCounts();
  for (const row of groupCounts(db)) {
    if (
      (type === undefined || row.type === type) &&
      (jobStatuses as readonly string[]).includes(row.status)
    ) {
      counts[row.status as JobStatus] += row.n;
    }
  }
  return counts;
}

describe('job_counts', () => {
  it('matches a GROUP BY of the jobs after every insert, status change, replay, delete and undone step', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const db = migrated();
        for (const step of ops) {
          apply(db, step);
          expect(keptCounts(db)).toEqual(groupCounts(db));
        }
        expect(db.prepare('SELECT count(*) FROM job_counts WHERE n < 0').pluck().get()).toBe(0);
        expect(countJobs(db)).toEqual(scanned(db));
        for (const type of types) expect(countJobs(db, type)).toEqual(scanned(db, type));
        db.close();
      }),
      { numRuns: 150 },
    );
  });

  it('answers every status of the job machine, 0 for those no job is in', () => {
    const db = migrated();
    const first = insertRow(db, 'email', 'queued');
    insertRow(db, 'email', 'queued');
    insertRow(db, 'sms', 'dead');
    insertRow(db, 'sms', 'archived');
    setStatus(db, first, 'claimed');
    expect(Object.keys(countJobs(db))).toEqual(jobStatuses);
    expect(countJobs(db)).toEqual({ ...zeroCounts(), queued: 1, claimed: 1, dead: 1 });
    expect(countJobs(db, 'sms')).toEqual({ ...zeroCounts(), dead: 1 });
    expect(countJobs(db, 'nothing')).toEqual(zeroCounts());
    // A row whose status the machine does not know is counted in the table, not in the answer.
    expect(keptCounts(db)).toContainEqual({ type: 'sms', status: 'archived', n: 1 });
  });

  it('does not answer a status named like an Object.prototype member', () => {
    const db = migrated();
    insertRow(db, 'email', 'toString');
    expect(countJobs(db)).toEqual(zeroCounts());
  });

  describe('migration', () => {
    /** A file at the schema before job_counts, holding the jobs given. */
    function fileBefore(
      rows: readonly (readonly [string, string])[],
      version = countsSince,
    ): string {
      const filename = tempDatabase();
      const db = connection(filename);
      db.pragma('journal_mode = WAL');
      migrate(db, version);
      for (const [type, status] of rows) insertRow(db, type, status);
      db.close();
      return filename;
    }

    const rows = [
      ['email', 'succeeded'],
      ['email', 'succeeded'],
      ['email', 'dead'],
      ['sms', 'queued'],
      ['sms', 'running'],
      ['push', 'scheduled'],
      ['push', 'cancelled'],
      ['push', 'retrying'],
    ] as const;

    it('counts the jobs a file held before the migration, and keeps counting after it', () => {
      const filename = fileBefore(rows);
      const db = openDatabase(filename, 'normal', undefined);
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
        expect(keptCounts(db)).toEqual(groupCounts(db));
        expect(countJobs(db)).toEqual({
          ...zeroCounts(),
          succeeded: 2,
          dead: 1,
          queued: 1,
          running: 1,
          scheduled: 1,
          cancelled: 1,
          retrying: 1,
        });
        expect(countJobs(db, 'push')).toEqual({
          ...zeroCounts(),
          scheduled: 1,
          cancelled: 1,
          retrying: 1,
        });
        setStatus(db, 4, 'claimed');
        insertRow(db, 'sms', 'queued');
        expect(countJobs(db, 'sms')).toEqual({
          ...zeroCounts(),
          queued: 1,
          claimed: 1,
          running: 1,
        });
      } finally {
        db.close();
      }
    });

    it('counts the jobs of a 0.1.0 file (schema 6) migrated through every later migration', () => {
      const filename = fileBefore(rows, 6);
      const db = openDatabase(filename, 'normal', undefined);
      try {
        expect(keptCounts(db)).toEqual(groupCounts(db));
        expect(countJobs(db).succeeded).toBe(2);
      } finally {
        db.close();
      }
    });

    it('replaces jobs_dead with the list index', () => {
      const db = migrated();
      const indexes = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs'")
        .pluck()
        .all();
      expect(indexes).not.toContain('jobs_dead');
      expect(indexes).toContain('jobs_by_type');
    });
  });
});

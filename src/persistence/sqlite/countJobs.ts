import type Database from 'better-sqlite3';
import { jobStatuses, type JobStatus } from '../../machines/jobMachine.js';

interface CountStatements {
  readonly all: Database.Statement<[], { status: string; n: number }>;
  readonly ofType: Database.Statement<[string], { status: string; n: number }>;
}

const prepared = new WeakMap<Database.Database, CountStatements>();

function statements(db: Database.Database): CountStatements {
  let found = prepared.get(db);
  if (found === undefined) {
    found = {
      all: db.prepare('SELECT status, sum(n) AS n FROM job_counts GROUP BY status'),
      ofType: db.prepare(
        'SELECT status, sum(n) AS n FROM job_counts WHERE type = ? GROUP BY status',
      ),
    };
    prepared.set(db, found);
  }
  return found;
}

/**
 * How many jobs are in each status, of one type or of all, with 0 for every status of the job
 * machine that no job is in: read from `job_counts`, which triggers keep up to date.
 */
export function countJobs(db: Database.Database, type?: string): Record<JobStatus, number> {
  const counts = Object.fromEntries(jobStatuses.map((status) => [status, 0])) as Record<
    JobStatus,
    number
  >;
  const { all, ofType } = statements(db);
  for (const row of type === undefined ? all.all() : ofType.all(type)) {
    if (Object.hasOwn(counts, row.status)) counts[row.status as JobStatus] = row.n;
  }
  return counts;
}

import type Database from 'better-sqlite3';
import type { SerializedError } from '../../errors.js';
import type { JobStatus } from '../../machines/jobMachine.js';
import type { Job, JobFilter, JobHistoryEntry, JobPage } from '../Store.js';
import { countJobs } from './countJobs.js';
import { listJobsPage } from './listJobs.js';
import { parseJson, rowId, toJob, type JobRow } from './rows.js';

interface EventRow {
  from_status: JobStatus | null;
  to_status: JobStatus;
  event: JobHistoryEntry['event'];
  at: number;
  attempt: number;
  error: string | null;
}

/** Reads of jobs, on the read connection: never behind a write. */
export class JobReads {
  private readonly byId: Database.Statement<[number], JobRow>;
  private readonly events: Database.Statement<[number], EventRow>;
  private readonly unfinished: Database.Statement<[], JobRow>;

  constructor(private readonly db: Database.Database) {
    this.byId = db.prepare('SELECT * FROM jobs WHERE id = ?');
    this.events = db.prepare(
      'SELECT from_status, to_status, event, at, attempt, error FROM job_events WHERE job_id = ? ORDER BY version',
    );
    this.unfinished = db.prepare(
      `SELECT * FROM jobs INDEXED BY jobs_unfinished WHERE status IN ('claimed', 'running') ORDER BY id`,
    );
  }

  getJob(id: string): Job | undefined {
    const n = rowId(id);
    const row = n === undefined ? undefined : this.byId.get(n);
    return row === undefined ? undefined : toJob(row);
  }

  history(id: string): JobHistoryEntry[] {
    const n = rowId(id);
    if (n === undefined) return [];
    return this.events.all(n).map((row) => ({
      from: row.from_status,
      to: row.to_status,
      event: row.event,
      at: row.at,
      attempt: row.attempt,
      error: parseJson(row.error) as SerializedError | null,
    }));
  }

  unfinishedJobs(): Job[] {
    return this.unfinished.all().map(toJob);
  }

  listJobs(filter: JobFilter): Job[] {
    return listJobsPage(this.db, filter).jobs;
  }

  listJobsPage(filter: JobFilter): JobPage {
    return listJobsPage(this.db, filter);
  }

  countJobs(type?: string): Record<JobStatus, number> {
    return countJobs(this.db, type);
  }
}

import type Database from 'better-sqlite3';
import type { PromotedJob } from '../Store.js';

/** Moves due `scheduled` and `retrying` jobs to `queued` (the machine's `DUE`), oldest due first. */
export class DuePromotions {
  private readonly due: Database.Statement<
    [number, number],
    {
      id: number;
      type: string;
      priority: number;
      attempt: number;
      status: 'scheduled' | 'retrying';
    }
  >;
  private readonly promote: Database.Statement<[number, string]>;
  private readonly nextDue: Database.Statement<[], { at: number | null }>;

  constructor(db: Database.Database) {
    this.due = db.prepare(
      `SELECT id, type, priority, attempt, status FROM jobs INDEXED BY jobs_waiting
       WHERE status IN ('scheduled', 'retrying') AND run_at <= ? ORDER BY run_at, id LIMIT ?`,
    );
    this.promote = db.prepare(
      `UPDATE jobs SET status = 'queued', version = version + 1, updated_at = ?,
         last_event = 'DUE', last_event_has_error = 0
       WHERE id IN (SELECT value FROM json_each(?)) AND status IN ('scheduled', 'retrying')`,
    );
    this.nextDue = db.prepare(
      // One index lookup per status (the partial index's own condition named, so SQLite uses it).
      `SELECT min(at) AS at FROM (
         SELECT min(run_at) AS at FROM jobs INDEXED BY jobs_waiting
           WHERE status IN ('scheduled', 'retrying') AND status = 'scheduled'
         UNION ALL SELECT min(run_at) FROM jobs INDEXED BY jobs_waiting
           WHERE status IN ('scheduled', 'retrying') AND status = 'retrying'
       )`,
    );
  }

  apply(now: number, limit: number): PromotedJob[] {
    const rows = this.due.all(now, limit);
    if (rows.length === 0) return [];
    this.promote.run(now, JSON.stringify(rows.map((row) => row.id)));
    return rows.map((row) => ({
      id: String(row.id),
      type: row.type,
      priority: row.priority,
      attempt: row.attempt,
      from: row.status,
    }));
  }

  /** The earliest `runAt` of any scheduled or retrying job. */
  next(): number | undefined {
    return this.nextDue.get()?.at ?? undefined;
  }
}

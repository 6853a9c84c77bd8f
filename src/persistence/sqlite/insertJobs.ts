import type Database from 'better-sqlite3';
import { InternalError, InvalidTransitionError } from '../../errors.js';
import { jobTransitions } from '../../machines/jobTransitions.js';
import type { NewJob, StepValues } from '../Store.js';
import { toJob, type JobRow } from './rows.js';

const columns = 10;
/** The statuses a job may be created in, read from the machine. */
const created: readonly string[] = jobTransitions.targetsOn('new', 'ENQUEUE');
/** Rows per multi-row INSERT. */
const rowsPerInsert = 200;

function insertSql(rows: number): string {
  const tuple = `(${new Array<string>(columns).fill('?').join(', ')}, 'ENQUEUE')`;
  return `INSERT INTO jobs (type, status, payload, priority, run_at, max_attempts, created_at, updated_at, trace_parent, trace_state, last_event)
    VALUES ${new Array<string>(rows).fill(tuple).join(', ')}
    RETURNING id`;
}

/** Inserts jobs: keyless ones many to a statement, keyed ones one by one (a key may be taken). */
export class JobInserts {
  private readonly statements = new Map<number, Database.Statement<unknown[], { id: number }>>();
  private readonly keyed: Database.Statement;
  private readonly byKey: Database.Statement<[string, string], JobRow>;

  constructor(private readonly db: Database.Database) {
    this.keyed = db.prepare(
      `INSERT INTO jobs (type, status, payload, priority, run_at, max_attempts, idempotency_key, created_at, updated_at, trace_parent, trace_state, last_event)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ENQUEUE')
       ON CONFLICT DO NOTHING`,
    );
    this.byKey = db.prepare('SELECT * FROM jobs WHERE type = ? AND idempotency_key = ?');
  }

  apply(jobs: readonly NewJob[], at: number): StepValues['insert'] {
    const results = new Array<StepValues['insert'][number]>(jobs.length);
    let run: number[] = [];
    const flush = (): void => {
      for (let offset = 0; offset < run.length; offset += rowsPerInsert) {
        const chunk = run.slice(offset, offset + rowsPerInsert);
        const values: unknown[] = [];
        for (const index of chunk) {
          const job = jobs[index] as NewJob;
          values.push(job.type, job.status, job.payloadJson, job.priority, job.runAt);
          values.push(job.maxAttempts, at, at, job.traceparent ?? null, job.tracestate ?? null);
        }
        // Rowids are handed out in ascending order within one statement.
        const ids = this.statement(chunk.length)
          .all(...values)
          .map((row) => row.id)
          .sort((a, b) => a - b);
        chunk.forEach((index, i) => {
          results[index] = { created: true, id: String(ids[i]) };
        });
      }
      run = [];
    };
    for (const job of jobs) {
      // The machine's ENQUEUE: a job is created `queued` or `scheduled`, nothing else.
      if (!created.includes(job.status)) {
        throw new InvalidTransitionError('a new job', 'new', `ENQUEUE to \`${job.status}\``);
      }
    }
    for (let index = 0; index < jobs.length; index++) {
      const job = jobs[index] as NewJob;
      if (job.idempotencyKey === null) {
        run.push(index);
        continue;
      }
      flush();
      const info = this.keyed.run(
        job.type,
        job.status,
        job.payloadJson,
        job.priority,
        job.runAt,
        job.maxAttempts,
        job.idempotencyKey,
        at,
        at,
        job.traceparent ?? null,
        job.tracestate ?? null,
      );
      if (info.changes > 0) {
        results[index] = { created: true, id: String(info.lastInsertRowid) };
        continue;
      }
      // Only the idempotency index can refuse an insert.
      const existing = this.byKey.get(job.type, job.idempotencyKey);
      if (existing === undefined) {
        throw new InternalError('an insert was refused without an idempotency conflict');
      }
      results[index] = { created: false, job: toJob(existing) };
    }
    flush();
    return results;
  }

  private statement(rows: number): Database.Statement<unknown[], { id: number }> {
    let statement = this.statements.get(rows);
    if (statement === undefined) {
      statement = this.db.prepare(insertSql(rows));
      this.statements.set(rows, statement);
    }
    return statement;
  }
}

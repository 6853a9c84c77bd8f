import Database from 'better-sqlite3';
import {
  DatabaseError,
  InvalidTransitionError,
  JobNotFoundError,
  VersionConflictError,
  type SerializedError,
} from '../errors.js';
import { jobStatuses, type JobStatus } from '../machines/jobMachine.js';
import { jobTransitions } from '../machines/jobTransitions.js';
import { migrations, WARDEN_APPLICATION_ID } from './schema.js';
import type {
  ClaimedJob,
  Job,
  JobFilter,
  JobHistoryEntry,
  NewJob,
  PromotedJob,
  StatusChange,
  Store,
} from './Store.js';

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /** A file path, or `:memory:`. */
  readonly filename: string;
  /** `full` survives power loss; `normal` survives a process crash and commits faster. */
  readonly synchronous: 'full' | 'normal';
}

interface JobRow {
  id: number;
  type: string;
  status: JobStatus;
  payload: string;
  priority: number;
  run_at: number;
  attempt: number;
  max_attempts: number;
  version: number;
  idempotency_key: string | null;
  progress: string | null;
  checkpoint: string | null;
  result: string | null;
  last_error: string | null;
  via_fallback: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

interface EventRow {
  from_status: JobStatus | null;
  to_status: JobStatus;
  event: JobHistoryEntry['event'];
  at: number;
  attempt: number;
  error: string | null;
}

const terminal = new Set<JobStatus>(['succeeded', 'cancelled', 'dead']);

function parseJson(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

function toJob(row: JobRow): Job {
  return {
    id: String(row.id),
    type: row.type,
    status: row.status,
    payload: JSON.parse(row.payload) as unknown,
    priority: row.priority,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    version: row.version,
    idempotencyKey: row.idempotency_key,
    progress: parseJson(row.progress) as Job['progress'],
    checkpoint: parseJson(row.checkpoint),
    result: parseJson(row.result),
    error: parseJson(row.last_error) as SerializedError | null,
    viaFallback: row.via_fallback === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** Parses a job id; undefined for anything that cannot be one. */
function rowId(id: string): number | undefined {
  if (!/^[1-9]\d{0,15}$/.test(id)) return undefined;
  return Number(id);
}

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Checks a database file before anything is written to it; throws a `DatabaseError`. */
function inspect(db: Database.Database, filename: string): { userVersion: number } {
  let applicationId: number;
  let userVersion: number;
  let objects: number;
  try {
    applicationId = db.pragma('application_id', { simple: true }) as number;
    userVersion = db.pragma('user_version', { simple: true }) as number;
    objects = (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
  } catch (error) {
    const code = sqliteCode(error);
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new DatabaseError(
        'DATABASE_CORRUPT',
        `\`${filename}\` is not a readable SQLite database (${code}); it was left untouched`,
        { cause: error },
      );
    }
    throw new DatabaseError(
      'DATABASE_UNAVAILABLE',
      `cannot read \`${filename}\`: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  const fresh = applicationId === 0 && userVersion === 0 && objects === 0;
  if (!fresh && applicationId !== WARDEN_APPLICATION_ID) {
    throw new DatabaseError(
      'NOT_A_WARDEN_DATABASE',
      `\`${filename}\` is an SQLite database of another application (application_id ${applicationId}, ${objects} schema objects); it was left untouched`,
    );
  }
  if (userVersion > migrations.length) {
    throw new DatabaseError(
      'SCHEMA_TOO_NEW',
      `\`${filename}\` has schema version ${userVersion}, newer than this Warden's ${migrations.length}; upgrade Warden to open it (the file was left untouched)`,
    );
  }
  return { userVersion };
}

/** The embedded SQLite store: WAL mode, prepared statements, one writer. */
export class SqliteStore implements Store {
  private db: Database.Database | undefined;
  private statements: ReturnType<SqliteStore['prepare']> | undefined;

  constructor(private readonly options: SqliteStoreOptions) {}

  open(): void {
    if (this.db !== undefined) return;
    const { filename } = this.options;
    let db: Database.Database;
    try {
      db = new Database(filename);
    } catch (error) {
      throw new DatabaseError(
        'DATABASE_UNAVAILABLE',
        `cannot open \`${filename}\`: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
    try {
      const { userVersion } = inspect(db, filename);
      if (filename !== ':memory:' && filename !== '') db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      db.transaction(() => {
        for (let version = userVersion; version < migrations.length; version++) {
          db.exec(migrations[version] ?? '');
        }
        db.pragma(`application_id = ${WARDEN_APPLICATION_ID}`);
        db.pragma(`user_version = ${migrations.length}`);
      }).immediate();
    } catch (error) {
      db.close();
      throw error;
    }
    this.db = db;
    this.statements = this.prepare(db);
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
    this.statements = undefined;
  }

  private prepare(db: Database.Database) {
    return {
      insert: db.prepare<
        [string, string, string, number, number, number, string | null, number, number]
      >(
        `INSERT INTO jobs (type, status, payload, priority, run_at, max_attempts, idempotency_key, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      ),
      byKey: db.prepare<[string, string], JobRow>(
        'SELECT * FROM jobs WHERE type = ? AND idempotency_key = ?',
      ),
      byId: db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?'),
      event: db.prepare<
        [number, number, string | null, string, string, number, number, string | null]
      >(
        'INSERT INTO job_events (job_id, version, from_status, to_status, event, at, attempt, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      change: db.prepare(
        `UPDATE jobs SET status = @to, version = version + 1, updated_at = @at,
           run_at = coalesce(@runAt, run_at),
           attempt = coalesce(@attempt, attempt),
           last_error = coalesce(@error, last_error),
           result = coalesce(@result, result),
           via_fallback = coalesce(@viaFallback, via_fallback),
           finished_at = @finishedAt
         WHERE id = @id AND version = @version AND status = @from`,
      ),
      versionOf: db.prepare<[number], { status: JobStatus; version: number }>(
        'SELECT status, version FROM jobs WHERE id = ?',
      ),
      due: db.prepare<
        [number, number],
        { id: number; type: string; status: JobStatus; version: number; attempt: number }
      >(
        `SELECT id, type, status, version, attempt FROM jobs
         WHERE status IN ('scheduled', 'retrying') AND run_at <= ? ORDER BY run_at, id LIMIT ?`,
      ),
      candidates: db.prepare<[string, number], { id: number; type: string }>(
        `SELECT id, type FROM jobs WHERE status = 'queued'
           AND type IN (SELECT value FROM json_each(?))
         ORDER BY priority DESC, id LIMIT ?`,
      ),
      claim: db.prepare<
        [number, number, number],
        {
          type: string;
          payload: string;
          attempt: number;
          max_attempts: number;
          version: number;
          checkpoint: string | null;
        }
      >(
        `UPDATE jobs SET status = 'running', attempt = attempt + 1, version = version + 1,
           started_at = ?, updated_at = ?
         WHERE id = ? AND status = 'queued'
         RETURNING type, payload, attempt, max_attempts, version, checkpoint`,
      ),
      progress: db.prepare<[string, number, number, number]>(
        `UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ? AND version = ? AND status = 'running'`,
      ),
      checkpoint: db.prepare<[string, number, number, number]>(
        `UPDATE jobs SET checkpoint = ?, updated_at = ? WHERE id = ? AND version = ? AND status = 'running'`,
      ),
      nextDue: db.prepare<[], { at: number | null }>(
        `SELECT min(run_at) AS at FROM jobs WHERE status IN ('scheduled', 'retrying')`,
      ),
      count: db.prepare<[string | null, string | null], { status: JobStatus; n: number }>(
        'SELECT status, count(*) AS n FROM jobs WHERE ? IS NULL OR type = ? GROUP BY status',
      ),
      history: db.prepare<[number], EventRow>(
        'SELECT from_status, to_status, event, at, attempt, error FROM job_events WHERE job_id = ? ORDER BY version',
      ),
      running: db.prepare<[], JobRow>(`SELECT * FROM jobs WHERE status = 'running' ORDER BY id`),
    };
  }

  private get sql(): NonNullable<SqliteStore['statements']> {
    if (this.statements === undefined) {
      throw new DatabaseError('DATABASE_UNAVAILABLE', 'the store is not open');
    }
    return this.statements;
  }

  private get database(): Database.Database {
    if (this.db === undefined)
      throw new DatabaseError('DATABASE_UNAVAILABLE', 'the store is not open');
    return this.db;
  }

  transaction<T>(fn: () => T): T {
    const db = this.database;
    if (db.inTransaction) return fn();
    return db.transaction(fn).immediate();
  }

  insertJob(job: NewJob): { job: Job; created: boolean } {
    const sql = this.sql;
    const info = sql.insert.run(
      job.type,
      job.status,
      job.payloadJson,
      job.priority,
      job.runAt,
      job.maxAttempts,
      job.idempotencyKey,
      job.at,
      job.at,
    );
    if (info.changes === 0) {
      // Only the idempotency index can refuse an insert.
      const existing = sql.byKey.get(job.type, job.idempotencyKey ?? '');
      if (existing === undefined) throw new Error('insert refused without an idempotency conflict');
      return { job: toJob(existing), created: false };
    }
    const id = Number(info.lastInsertRowid);
    sql.event.run(id, 0, null, job.status, 'ENQUEUE', job.at, 0, null);
    return {
      created: true,
      job: {
        id: String(id),
        type: job.type,
        status: job.status,
        payload: JSON.parse(job.payloadJson) as unknown,
        priority: job.priority,
        attempt: 0,
        maxAttempts: job.maxAttempts,
        runAt: job.runAt,
        version: 0,
        idempotencyKey: job.idempotencyKey,
        progress: null,
        checkpoint: null,
        result: null,
        error: null,
        viaFallback: false,
        createdAt: job.at,
        updatedAt: job.at,
        startedAt: null,
        finishedAt: null,
      },
    };
  }

  changeStatus(change: StatusChange): number {
    const subject = `job ${change.id}`;
    if (!jobTransitions.targetsOn(change.from, change.event).includes(change.to)) {
      throw new InvalidTransitionError(subject, change.from, `${change.event} to \`${change.to}\``);
    }
    const id = rowId(change.id);
    if (id === undefined) throw new JobNotFoundError(change.id);
    const sql = this.sql;
    const errorJson = change.error === undefined ? null : JSON.stringify(change.error);
    const info = sql.change.run({
      id,
      from: change.from,
      to: change.to,
      version: change.version,
      at: change.at,
      runAt: change.runAt ?? null,
      attempt: change.attempt ?? null,
      error: errorJson,
      result: change.resultJson ?? null,
      viaFallback: change.viaFallback === undefined ? null : change.viaFallback ? 1 : 0,
      finishedAt: terminal.has(change.to) ? change.at : null,
    });
    if (info.changes === 0) {
      const current = sql.versionOf.get(id);
      if (current === undefined) throw new JobNotFoundError(change.id);
      if (current.version !== change.version) {
        throw new VersionConflictError(change.id, change.version, current.version);
      }
      throw new InvalidTransitionError(
        subject,
        current.status,
        `${change.event} to \`${change.to}\``,
        `the writer expected \`${change.from}\``,
      );
    }
    sql.event.run(
      id,
      change.version + 1,
      change.from,
      change.to,
      change.event,
      change.at,
      change.attempt ?? 0,
      errorJson,
    );
    return change.version + 1;
  }

  promoteDue(now: number, limit: number): readonly PromotedJob[] {
    return this.sql.due.all(now, limit).map((row) => {
      const id = String(row.id);
      this.changeStatus({
        id,
        from: row.status,
        to: 'queued',
        event: 'DUE',
        version: row.version,
        at: now,
        attempt: row.attempt,
      });
      return { id, type: row.type, attempt: row.attempt };
    });
  }

  queuedCandidates(
    types: readonly string[],
    limit: number,
  ): readonly { id: string; type: string }[] {
    return this.sql.candidates
      .all(JSON.stringify(types), limit)
      .map((row) => ({ id: String(row.id), type: row.type }));
  }

  claim(ids: readonly string[], now: number): readonly ClaimedJob[] {
    if (!jobTransitions.allows('queued', 'running')) {
      throw new InvalidTransitionError('a queued job', 'queued', 'START');
    }
    const sql = this.sql;
    const claimed: ClaimedJob[] = [];
    for (const id of ids) {
      const numeric = rowId(id);
      if (numeric === undefined) continue;
      const row = sql.claim.get(now, now, numeric);
      if (row === undefined) continue;
      sql.event.run(numeric, row.version, 'queued', 'running', 'START', now, row.attempt, null);
      claimed.push({
        id,
        type: row.type,
        payloadJson: row.payload,
        attempt: row.attempt,
        maxAttempts: row.max_attempts,
        version: row.version,
        checkpointJson: row.checkpoint,
      });
    }
    return claimed;
  }

  saveProgress(id: string, version: number, progressJson: string, at: number): boolean {
    const numeric = rowId(id);
    return (
      numeric !== undefined && this.sql.progress.run(progressJson, at, numeric, version).changes > 0
    );
  }

  saveCheckpoint(id: string, version: number, checkpointJson: string, at: number): boolean {
    const numeric = rowId(id);
    return (
      numeric !== undefined &&
      this.sql.checkpoint.run(checkpointJson, at, numeric, version).changes > 0
    );
  }

  nextDueAt(): number | undefined {
    return this.sql.nextDue.get()?.at ?? undefined;
  }

  getJob(id: string): Job | undefined {
    const numeric = rowId(id);
    if (numeric === undefined) return undefined;
    const row = this.sql.byId.get(numeric);
    return row === undefined ? undefined : toJob(row);
  }

  listJobs(filter: JobFilter): Job[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.status !== undefined) {
      const statuses: readonly JobStatus[] =
        typeof filter.status === 'string' ? [filter.status] : filter.status;
      where.push(`status IN (${statuses.map(() => '?').join(', ')})`);
      params.push(...statuses);
    }
    if (filter.type !== undefined) {
      where.push('type = ?');
      params.push(filter.type);
    }
    params.push(filter.limit ?? 100, filter.offset ?? 0);
    const sql = `SELECT * FROM jobs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ? OFFSET ?`;
    return this.database
      .prepare<(string | number)[], JobRow>(sql)
      .all(...params)
      .map(toJob);
  }

  countJobs(type?: string): Record<JobStatus, number> {
    const counts = Object.fromEntries(jobStatuses.map((status) => [status, 0])) as Record<
      JobStatus,
      number
    >;
    for (const row of this.sql.count.all(type ?? null, type ?? null)) counts[row.status] = row.n;
    return counts;
  }

  history(id: string): JobHistoryEntry[] {
    const numeric = rowId(id);
    if (numeric === undefined) return [];
    return this.sql.history.all(numeric).map((row) => ({
      from: row.from_status,
      to: row.to_status,
      event: row.event,
      at: row.at,
      attempt: row.attempt,
      error: parseJson(row.error) as SerializedError | null,
    }));
  }

  runningJobs(): Job[] {
    return this.sql.running.all().map(toJob);
  }
}

import Database from 'better-sqlite3';
import {
  DatabaseCorruptError,
  DatabaseUnavailableError,
  InternalError,
  type WardenError,
  InvalidTransitionError,
  JobNotFoundError,
  NotAWardenDatabaseError,
  SchemaTooNewError,
  TransactionLostError,
  VersionConflictError,
  type SerializedError,
} from '../errors.js';
import { jobStatuses, type JobStatus } from '../machines/jobMachine.js';
import { jobTransitions } from '../machines/jobTransitions.js';
import { jsonProblem } from './json.js';
import { migrations, ownerTableSince, WARDEN_APPLICATION_ID } from './schema.js';
import { assertIntact, assertWritable, openFailure } from './sqlite/openChecks.js';
import type {
  ActorEventKind,
  ActorEventRecord,
  ActorStore,
  ClaimedJob,
  DeadActorRecord,
  Job,
  JobFilter,
  JobHistoryEntry,
  NewJob,
  OwnerRecord,
  OwnershipClaim,
  OwnershipStore,
  PromotedJob,
  StatusChange,
  Store,
  UndeliverableRecord,
} from './Store.js';

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /** A file path, or `:memory:`. */
  readonly filename: string;
  /** `full` survives power loss; `normal` survives a process crash and commits faster. */
  readonly synchronous: 'full' | 'normal';
  /** How long opening waits for another connection's write lock before failing. @default 5000 */
  readonly busyTimeoutMs?: number;
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

interface ClaimRow {
  id: number;
  type: string;
  payload: string;
  attempt: number;
  max_attempts: number;
  version: number;
  checkpoint: string | null;
}

const claimsPerUpdate = 100;
const changeColumns = 12;
const changesPerUpdate = 50;

interface EventRow {
  from_status: JobStatus | null;
  to_status: JobStatus;
  event: JobHistoryEntry['event'];
  at: number;
  attempt: number;
  error: string | null;
}

/** How long a statement waits for another connection's lock before failing. */
const busyTimeoutMs = 5000;

const terminal = new Set<JobStatus>(['succeeded', 'cancelled', 'dead']);

/** How many errors a dead-letter record keeps, and how many undeliverable events per actor. */
const deadErrorsKept = 10;
const undeliverableKept = 10;
const defaultActorHistoryLimit = 100;

interface ActorEventRow {
  actor_id: string;
  supervisor_id: string | null;
  kind: ActorEventKind;
  reason: NonNullable<ActorEventRecord['reason']> | null;
  at: number;
  restarts: number;
  error: string | null;
}

interface DeadActorRow {
  actor_id: string;
  supervisor_id: string | null;
  kind: DeadActorRecord['kind'];
  at: number;
  restarts: number;
  errors: string;
}

interface OwnerRow {
  token: string;
  pid: number;
  host: string;
  process_started_at: number;
  started_at: number;
  heartbeat_at: number;
}

/** Reads the file's owner row (the `owner` table holds one row at most). */
const ownerQuery = 'SELECT * FROM owner WHERE id = 1';

function toOwner(row: OwnerRow): OwnerRecord {
  return {
    token: row.token,
    pid: row.pid,
    host: row.host,
    processStartedAt: row.process_started_at,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
  };
}

interface UndeliverableRow {
  actor_id: string;
  count: number;
  last: string;
  updated_at: number;
}

type UndeliverableEntry = UndeliverableRecord['last'][number];

function toActorEvent(row: ActorEventRow): ActorEventRecord {
  return {
    actorId: row.actor_id,
    supervisorId: row.supervisor_id,
    kind: row.kind,
    ...(row.reason === null ? {} : { reason: row.reason }),
    at: row.at,
    restarts: row.restarts,
    ...(row.error === null ? {} : { error: JSON.parse(row.error) as SerializedError }),
  };
}

function toDeadActor(row: DeadActorRow): DeadActorRecord {
  return {
    actorId: row.actor_id,
    supervisorId: row.supervisor_id,
    kind: row.kind,
    at: row.at,
    restarts: row.restarts,
    errors: JSON.parse(row.errors) as SerializedError[],
  };
}

function toUndeliverable(row: UndeliverableRow): UndeliverableRecord {
  return {
    actorId: row.actor_id,
    count: row.count,
    last: JSON.parse(row.last) as UndeliverableEntry[],
    updatedAt: row.updated_at,
  };
}

/** An event as JSON text; what JSON cannot hold becomes a placeholder string saying why. */
function eventJson(event: unknown): string {
  let problem = jsonProblem(event, '$', 'allow');
  if (problem === undefined) {
    try {
      return JSON.stringify(event);
    } catch (error) {
      problem = `$ cannot be serialised (${String(error)})`;
    }
  }
  return JSON.stringify(`[not JSON-able: ${problem}]`);
}

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
  const n = Number(id);
  // Past 2^53 two ids would read as one number: such an id names no job.
  return Number.isSafeInteger(n) ? n : undefined;
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
      throw new DatabaseCorruptError(
        `\`${filename}\` is not a readable SQLite database (${code}); it was left untouched`,
        { cause: error },
      );
    }
    throw new DatabaseUnavailableError(`cannot read \`${filename}\`: ${String(error)}`, {
      cause: error,
    });
  }
  const fresh = applicationId === 0 && userVersion === 0 && objects === 0;
  if (!fresh && applicationId !== WARDEN_APPLICATION_ID) {
    throw new NotAWardenDatabaseError(
      `\`${filename}\` is an SQLite database of another application (application_id ${applicationId}, ${objects} schema objects); it was left untouched`,
    );
  }
  if (userVersion > migrations.length) {
    throw new SchemaTooNewError(
      `\`${filename}\` has schema version ${userVersion}, newer than this Warden's ${migrations.length}; upgrade Warden to open it (the file was left untouched)`,
    );
  }
  return { userVersion };
}

/** Blocks the thread for `ms` (SQLite's own busy handler sleeps the same way). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Switches the file to WAL mode. SQLite answers `SQLITE_BUSY` at once, without its busy handler,
 * when another connection is switching the same new file at that moment; so this retries for up
 * to the busy timeout, and is done as soon as the file is in WAL mode, whoever switched it.
 */
function enterWalMode(db: Database.Database, timeoutMs: number): void {
  const pauseMs = 10;
  for (let waited = 0; ; waited += pauseMs) {
    try {
      if (db.pragma('journal_mode', { simple: true }) === 'wal') return;
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (sqliteCode(error) !== 'SQLITE_BUSY' || waited >= timeoutMs) throw error;
      sleepSync(pauseMs);
    }
  }
}

/** The embedded SQLite store: WAL mode, prepared statements, one writer. */
export class SqliteStore implements Store, ActorStore, OwnershipStore {
  private db: Database.Database | undefined;
  private statements: ReturnType<SqliteStore['prepare']> | undefined;
  private runInTransaction: Database.Transaction<(fn: () => unknown) => unknown> | undefined;
  /** The ownership this store checks before each commit, while it holds the file. */
  private ownership: OwnershipClaim | undefined;
  /** Set once the file was found to have another owner: every later transaction fails with it. */
  private fenced: Error | undefined;
  private readonly claimStatements = new Map<number, Database.Statement<number[], ClaimRow>>();
  private readonly changeStatements = new Map<
    number,
    Database.Statement<[(string | number | null)[]], { id: number }>
  >();

  constructor(private readonly options: SqliteStoreOptions) {}

  open(claim?: OwnershipClaim): void {
    if (this.db !== undefined) return;
    const { filename } = this.options;
    const lockWaitMs = this.options.busyTimeoutMs ?? busyTimeoutMs;
    assertWritable(filename);
    let db: Database.Database;
    try {
      db = new Database(filename);
    } catch (error) {
      throw new DatabaseUnavailableError(`cannot open \`${filename}\`: ${String(error)}`, {
        cause: error,
      });
    }
    let owner: OwnerRecord | undefined;
    try {
      // First, so that a second process starting at the same moment waits for the first.
      db.pragma(`busy_timeout = ${lockWaitMs}`);
      // One read snapshot, so a process migrating the file meanwhile is seen before or after.
      db.transaction(() => inspect(db, filename))();
      if (filename !== ':memory:' && filename !== '') enterWalMode(db, lockWaitMs);
      db.pragma(`synchronous = ${this.options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      db.pragma('foreign_keys = ON');
      // Savepoints (one per caller's write in a group commit) journal to memory, not a temp file.
      db.pragma('temp_store = MEMORY');
      // Under the write lock: the schema version another process may just have changed, the
      // owner check, the migrations and the owner row form one transaction, so a refused open
      // writes nothing, and an up-to-date file opened without a claim is not written to.
      owner = db
        .transaction((): OwnerRecord | undefined => {
          const { userVersion } = inspect(db, filename);
          if (claim !== undefined && userVersion >= ownerTableSince) {
            const row = db.prepare<[], OwnerRow>(ownerQuery).get();
            if (row !== undefined && row.token !== claim.owner.token) {
              const current = toOwner(row);
              if (!claim.mayReplace(current)) return current;
            }
          }
          assertIntact(db, filename, claim !== undefined && userVersion >= ownerTableSince);
          if (userVersion < migrations.length) {
            for (let version = userVersion; version < migrations.length; version++) {
              const migration = migrations[version];
              if (typeof migration === 'function') migration(db);
              else if (migration !== undefined) db.exec(migration);
            }
            db.pragma(`application_id = ${WARDEN_APPLICATION_ID}`);
            db.pragma(`user_version = ${migrations.length}`);
          }
          if (claim !== undefined) {
            const o = claim.owner;
            db.prepare(
              `INSERT INTO owner (id, token, pid, host, process_started_at, started_at, heartbeat_at)
             VALUES (1, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET token = excluded.token, pid = excluded.pid,
               host = excluded.host, process_started_at = excluded.process_started_at,
               started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at`,
            ).run(o.token, o.pid, o.host, o.processStartedAt, o.startedAt, o.heartbeatAt);
          }
          return undefined;
        })
        .immediate();
    } catch (error) {
      db.close();
      throw openFailure(error, filename, lockWaitMs);
    }
    if (owner !== undefined && claim !== undefined) {
      db.close();
      throw claim.refused(owner);
    }
    this.db = db;
    this.statements = this.prepare(db);
    this.ownership = claim;
    this.runInTransaction = db.transaction((fn: () => unknown) => {
      if (this.fenced !== undefined) throw this.fenced;
      const result = fn();
      this.checkOwner();
      return result;
    });
  }

  /** Throws before the commit once the file is no longer this store's; `fenced` keeps it so. */
  private checkOwner(): void {
    const claim = this.ownership;
    if (claim === undefined) return;
    const row = this.sql.owner.get();
    if (row?.token === claim.owner.token) return;
    this.fenced = claim.lost(row === undefined ? undefined : toOwner(row));
    throw this.fenced;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
    this.statements = undefined;
    this.runInTransaction = undefined;
    this.ownership = undefined;
    this.fenced = undefined;
    this.claimStatements.clear();
    this.changeStatements.clear();
  }

  private prepare(db: Database.Database) {
    return {
      insert: db.prepare<
        [string, string, string, number, number, number, string | null, number, number]
      >(
        `INSERT INTO jobs (type, status, payload, priority, run_at, max_attempts, idempotency_key, created_at, updated_at, last_event)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'ENQUEUE')
         ON CONFLICT DO NOTHING`,
      ),
      byKey: db.prepare<[string, string], JobRow>(
        'SELECT * FROM jobs WHERE type = ? AND idempotency_key = ?',
      ),
      byId: db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?'),
      versionOf: db.prepare<
        [number],
        { status: JobStatus; version: number; attempt: number; max_attempts: number }
      >('SELECT status, version, attempt, max_attempts FROM jobs WHERE id = ?'),
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
      progress: db.prepare<[string, number, number, number]>(
        `UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ? AND version = ? AND status = 'running'`,
      ),
      adopt: db.prepare<[string, number, number, string]>(
        `UPDATE jobs SET fallback_by = ?
         WHERE id = ? AND version = ? AND status = 'running'
           AND (fallback_by IS NULL OR fallback_by = ?)`,
      ),
      unadopt: db.prepare<[number, number, string]>(
        'UPDATE jobs SET fallback_by = NULL WHERE id = ? AND version = ? AND fallback_by = ?',
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
      actorEvent: db.prepare<
        [string, string | null, string, string | null, number, number, string | null]
      >(
        `INSERT INTO actor_events (actor_id, supervisor_id, kind, reason, at, restarts, error)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      restartTimes: db.prepare<[string, number], { at: number }>(
        `SELECT at FROM actor_events
         WHERE supervisor_id = ? AND kind = 'restarting' AND at >= ? ORDER BY at, id`,
      ),
      actorHistory: db.prepare<[string, number], ActorEventRow>(
        `SELECT actor_id, supervisor_id, kind, reason, at, restarts, error FROM (
           SELECT * FROM actor_events WHERE actor_id = ? ORDER BY id DESC LIMIT ?
         ) ORDER BY id`,
      ),
      markDead: db.prepare<[string, string | null, string, number, number, string]>(
        `INSERT INTO dead_actors (actor_id, supervisor_id, kind, at, restarts, errors)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (actor_id) DO UPDATE SET supervisor_id = excluded.supervisor_id,
           kind = excluded.kind, at = excluded.at, restarts = excluded.restarts,
           errors = excluded.errors`,
      ),
      revive: db.prepare<[string], { supervisor_id: string | null; restarts: number }>(
        'DELETE FROM dead_actors WHERE actor_id = ? RETURNING supervisor_id, restarts',
      ),
      owner: db.prepare<[], OwnerRow>(ownerQuery),
      renewOwner: db.prepare<[number, string]>(
        'UPDATE owner SET heartbeat_at = ? WHERE id = 1 AND token = ?',
      ),
      releaseOwner: db.prepare<[string]>('DELETE FROM owner WHERE id = 1 AND token = ?'),
      deadActors: db.prepare<[], DeadActorRow>('SELECT * FROM dead_actors ORDER BY at, actor_id'),
      undeliverableOf: db.prepare<[string], UndeliverableRow>(
        'SELECT * FROM undeliverable WHERE actor_id = ?',
      ),
      undeliverableAll: db.prepare<[], UndeliverableRow>(
        'SELECT * FROM undeliverable ORDER BY actor_id',
      ),
      saveUndeliverable: db.prepare<[string, number, string, number]>(
        `INSERT INTO undeliverable (actor_id, count, last, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (actor_id) DO UPDATE SET count = excluded.count, last = excluded.last,
           updated_at = excluded.updated_at`,
      ),
    };
  }

  private get sql(): NonNullable<SqliteStore['statements']> {
    if (this.statements === undefined) {
      throw new DatabaseUnavailableError('the store is not open');
    }
    return this.statements;
  }

  private get database(): Database.Database {
    if (this.db === undefined) throw new DatabaseUnavailableError('the store is not open');
    return this.db;
  }

  /**
   * Gives `fn` the open connection, inside a fenced transaction when `write` is true: for the
   * stores of other concepts (breakers) that keep their SQL in files of their own.
   */
  withDatabase<T>(write: boolean, fn: (db: Database.Database) => T): T {
    const db = this.database;
    return write ? this.transaction(() => fn(db)) : fn(db);
  }

  transaction<T>(fn: () => T): T {
    const db = this.database;
    if (db.inTransaction || this.runInTransaction === undefined) return fn();
    return this.runInTransaction.immediate(fn) as T;
  }

  isolated<T>(fn: () => T): T {
    const db = this.database;
    if (!db.inTransaction) return this.transaction(fn);
    try {
      // Nested in a transaction, better-sqlite3 runs this as a savepoint.
      return db.transaction(fn)();
    } catch (error) {
      // Some errors (SQLITE_IOERR, SQLITE_NOMEM, RAISE(ROLLBACK)) end the whole transaction.
      if (!db.inTransaction) throw new TransactionLostError(error);
      throw error;
    }
  }

  private claimStatement(rows: number): Database.Statement<number[], ClaimRow> {
    let statement = this.claimStatements.get(rows);
    if (statement === undefined) {
      statement = this.database.prepare<number[], ClaimRow>(
        `UPDATE jobs SET status = 'running', attempt = attempt + 1, version = version + 1,
           started_at = ?, updated_at = ?, last_event = 'START', last_event_has_error = 0,
           fallback_by = NULL
         WHERE status = 'queued' AND id IN (${new Array<string>(rows).fill('?').join(', ')})
         RETURNING id, type, payload, attempt, max_attempts, version, checkpoint`,
      );
      this.claimStatements.set(rows, statement);
    }
    return statement;
  }

  insertJob(job: NewJob): { job: Job; created: boolean } {
    return this.transaction(() => this.insertJobNow(job));
  }

  private insertJobNow(job: NewJob): { job: Job; created: boolean } {
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
      if (existing === undefined) {
        throw new InternalError('an insert was refused without an idempotency conflict');
      }
      return { job: toJob(existing), created: false };
    }
    const id = Number(info.lastInsertRowid);
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
    const [result] = this.changeStatusMany([change]);
    if (typeof result !== 'number') {
      throw result ?? new InternalError('a status change was applied with no result');
    }
    return result;
  }

  changeStatusMany(changes: readonly StatusChange[]): (number | WardenError)[] {
    return this.transaction(() => this.changeStatusManyNow(changes));
  }

  private changeStatusManyNow(changes: readonly StatusChange[]): (number | WardenError)[] {
    const results: (number | WardenError)[] = new Array<number | WardenError>(changes.length);
    // Indexes of the changes that go to the database, and their bound values, row by row.
    const pending: number[] = [];
    const values: (string | number | null)[] = [];
    const ids = new Set<number>();
    for (let index = 0; index < changes.length; index++) {
      const change = changes[index] as StatusChange;
      const id = rowId(change.id);
      if (!jobTransitions.targetsOn(change.from, change.event).includes(change.to)) {
        results[index] = new InvalidTransitionError(
          `job ${change.id}`,
          change.from,
          `${change.event} to \`${change.to}\``,
        );
      } else if (id === undefined) {
        results[index] = new JobNotFoundError(change.id);
      } else if (ids.has(id)) {
        // Two changes of one job in one batch: the second names a version the first consumed.
        results[index] = this.diagnose(change);
      } else {
        ids.add(id);
        pending.push(index);
        values.push(
          id,
          change.version,
          change.from,
          change.to,
          change.event,
          change.at,
          change.runAt ?? null,
          change.attempt ?? null,
          change.error === undefined ? null : JSON.stringify(change.error),
          change.resultJson ?? null,
          change.viaFallback === undefined ? null : change.viaFallback ? 1 : 0,
          terminal.has(change.to) ? change.at : null,
        );
      }
    }
    const updated = new Set<number>();
    for (let offset = 0; offset < pending.length; offset += changesPerUpdate) {
      const rows = Math.min(changesPerUpdate, pending.length - offset);
      const bound =
        rows === pending.length
          ? values
          : values.slice(offset * changeColumns, (offset + rows) * changeColumns);
      for (const row of this.changeStatement(rows).all(bound)) updated.add(row.id);
    }
    for (const index of pending) {
      const change = changes[index] as StatusChange;
      results[index] = updated.has(Number(change.id)) ? change.version + 1 : this.diagnose(change);
    }
    return results;
  }

  /** Why a version-checked change matched no row. */
  private diagnose(change: StatusChange): WardenError {
    const id = rowId(change.id);
    const current = id === undefined ? undefined : this.sql.versionOf.get(id);
    if (current === undefined) return new JobNotFoundError(change.id);
    if (current.version !== change.version) {
      return new VersionConflictError(change.id, change.version, current.version);
    }
    if (current.status === change.from && change.to === 'retrying') {
      return new InvalidTransitionError(
        `job ${change.id}`,
        current.status,
        `${change.event} to \`retrying\``,
        `attempt ${current.attempt} of ${current.max_attempts} was the last`,
      );
    }
    return new InvalidTransitionError(
      `job ${change.id}`,
      current.status,
      `${change.event} to \`${change.to}\``,
      `the writer expected \`${change.from}\``,
    );
  }

  private changeStatement(
    rows: number,
  ): Database.Statement<[(string | number | null)[]], { id: number }> {
    let statement = this.changeStatements.get(rows);
    if (statement === undefined) {
      const tuple = `(${new Array<string>(changeColumns).fill('?').join(', ')})`;
      statement = this.database.prepare<[(string | number | null)[]], { id: number }>(
        `WITH v (id, version, from_status, to_status, event, at, run_at, attempt, error, result, via_fallback, finished_at)
           AS (VALUES ${new Array<string>(rows).fill(tuple).join(', ')})
         UPDATE jobs SET status = v.to_status, version = jobs.version + 1, updated_at = v.at,
           run_at = coalesce(v.run_at, jobs.run_at),
           attempt = coalesce(v.attempt, jobs.attempt),
           last_error = coalesce(v.error, jobs.last_error),
           result = coalesce(v.result, jobs.result),
           via_fallback = coalesce(v.via_fallback, jobs.via_fallback),
           finished_at = v.finished_at,
           last_event = v.event, last_event_has_error = v.error IS NOT NULL
         FROM v
         WHERE jobs.id = v.id AND jobs.version = v.version AND jobs.status = v.from_status
           AND (v.to_status <> 'retrying' OR jobs.attempt < jobs.max_attempts)
         RETURNING jobs.id AS id`,
      );
      this.changeStatements.set(rows, statement);
    }
    return statement;
  }

  promoteDue(now: number, limit: number): readonly PromotedJob[] {
    return this.transaction(() => this.promoteDueNow(now, limit));
  }

  private promoteDueNow(now: number, limit: number): readonly PromotedJob[] {
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
    return this.transaction(() => this.claimNow(ids, now));
  }

  private claimNow(ids: readonly string[], now: number): readonly ClaimedJob[] {
    if (!jobTransitions.allows('queued', 'running')) {
      throw new InvalidTransitionError('a queued job', 'queued', 'START');
    }
    const numeric = ids.map(rowId).filter((id): id is number => id !== undefined);
    const rows: ClaimRow[] = [];
    for (let offset = 0; offset < numeric.length; offset += claimsPerUpdate) {
      const chunk = numeric.slice(offset, offset + claimsPerUpdate);
      rows.push(...this.claimStatement(chunk.length).all(now, now, ...chunk));
    }
    // RETURNING comes in no particular order: keep the caller's (priority) order.
    const order = new Map(numeric.map((id, index) => [id, index]));
    rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    return rows.map((row) => ({
      id: String(row.id),
      type: row.type,
      payloadJson: row.payload,
      attempt: row.attempt,
      maxAttempts: row.max_attempts,
      version: row.version,
      checkpointJson: row.checkpoint,
    }));
  }

  saveProgress(id: string, version: number, progressJson: string, at: number): boolean {
    const numeric = rowId(id);
    return (
      numeric !== undefined && this.sql.progress.run(progressJson, at, numeric, version).changes > 0
    );
  }

  adoptForFallback(id: string, version: number, adopter: string): boolean {
    const numeric = rowId(id);
    return (
      numeric !== undefined && this.sql.adopt.run(adopter, numeric, version, adopter).changes > 0
    );
  }

  releaseFallback(id: string, version: number, adopter: string): void {
    const numeric = rowId(id);
    if (numeric !== undefined) this.sql.unadopt.run(numeric, version, adopter);
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

  recordActorEvent(record: ActorEventRecord): void {
    this.sql.actorEvent.run(
      record.actorId,
      record.supervisorId,
      record.kind,
      record.reason ?? null,
      record.at,
      record.restarts,
      record.error === undefined ? null : JSON.stringify(record.error),
    );
  }

  restartTimes(supervisorId: string, since: number): number[] {
    return this.sql.restartTimes.all(supervisorId, since).map((row) => row.at);
  }

  actorHistory(actorId: string, limit = defaultActorHistoryLimit): ActorEventRecord[] {
    if (!(limit >= 1)) return [];
    // SQLite reads a negative LIMIT as no limit at all.
    const bound = Number.isFinite(limit) ? Math.floor(limit) : -1;
    return this.sql.actorHistory.all(actorId, bound).map(toActorEvent);
  }

  markActorDead(record: DeadActorRecord): void {
    const errors = record.errors.slice(-deadErrorsKept);
    const lastError = errors.at(-1);
    this.transaction(() => {
      const sql = this.sql;
      sql.markDead.run(
        record.actorId,
        record.supervisorId,
        record.kind,
        record.at,
        record.restarts,
        JSON.stringify(errors),
      );
      sql.actorEvent.run(
        record.actorId,
        record.supervisorId,
        'dead',
        null,
        record.at,
        record.restarts,
        lastError === undefined ? null : JSON.stringify(lastError),
      );
    });
  }

  /** The 'revived' event carries the supervisor and restart count of the removed record. */
  reviveActor(actorId: string, at: number): boolean {
    return this.transaction(() => {
      const sql = this.sql;
      const removed = sql.revive.get(actorId);
      if (removed === undefined) return false;
      sql.actorEvent.run(
        actorId,
        removed.supervisor_id,
        'revived',
        null,
        at,
        removed.restarts,
        null,
      );
      return true;
    });
  }

  deadActors(): DeadActorRecord[] {
    return this.sql.deadActors.all().map(toDeadActor);
  }

  recordUndeliverable(actorId: string, event: unknown, at: number): UndeliverableRecord {
    const entry: UndeliverableEntry = { at, event: JSON.parse(eventJson(event)) as unknown };
    return this.transaction(() => {
      const sql = this.sql;
      const previous = sql.undeliverableOf.get(actorId);
      const earlier = previous === undefined ? [] : toUndeliverable(previous).last;
      const record: UndeliverableRecord = {
        actorId,
        count: (previous?.count ?? 0) + 1,
        last: [...earlier, entry].slice(-undeliverableKept),
        updatedAt: at,
      };
      sql.saveUndeliverable.run(actorId, record.count, JSON.stringify(record.last), at);
      return record;
    });
  }

  undeliverable(actorId?: string): UndeliverableRecord[] {
    const sql = this.sql;
    const rows =
      actorId === undefined
        ? sql.undeliverableAll.all()
        : [sql.undeliverableOf.get(actorId)].filter((row) => row !== undefined);
    return rows.map(toUndeliverable);
  }

  renewOwnership(token: string, at: number): boolean {
    if (this.fenced !== undefined) return false;
    return this.sql.renewOwner.run(at, token).changes > 0;
  }

  releaseOwnership(token: string): void {
    if (this.ownership?.owner.token === token) this.ownership = undefined;
    this.sql.releaseOwner.run(token);
  }
}

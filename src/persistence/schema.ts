/** SQLite's `application_id` for Warden databases: the bytes of "WRDN". */
export const WARDEN_APPLICATION_ID = 0x5752444e;

/** What a migration written as a function may do with the database. */
export interface MigrationDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): { all(): unknown[] };
}

/** A migration: SQL, or a function for a change that must look at the schema first. */
export type Migration = string | ((db: MigrationDatabase) => void);

/**
 * Schema migrations; the database's `user_version` is the number of migrations applied.
 * Append only: never edit a migration that has been committed to main.
 */
export const migrations: readonly Migration[] = [
  `
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    payload TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    run_at INTEGER NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT,
    progress TEXT,
    checkpoint TEXT,
    result TEXT,
    last_error TEXT,
    via_fallback INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER
  );
  CREATE UNIQUE INDEX jobs_idempotency ON jobs (type, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
  -- Partial indexes: a row is in an index only while it is in that status, so most status
  -- changes touch one index at most.
  CREATE INDEX jobs_queued ON jobs (priority DESC, id) WHERE status = 'queued';
  CREATE INDEX jobs_waiting ON jobs (status, run_at) WHERE status IN ('scheduled', 'retrying');
  CREATE INDEX jobs_dead ON jobs (id) WHERE status = 'dead';
  -- One row per status change, keyed by the version the change produced.
  CREATE TABLE job_events (
    job_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    event TEXT NOT NULL,
    at INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    error TEXT,
    PRIMARY KEY (job_id, version)
  ) WITHOUT ROWID;
  `,
  // 2: the supervision tree's lifecycle history, dead-lettered actors and undeliverable events.
  `
  CREATE TABLE actor_events (
    id INTEGER PRIMARY KEY,
    actor_id TEXT NOT NULL,
    supervisor_id TEXT,            -- null for the root
    kind TEXT NOT NULL,            -- 'started' | 'exited' | 'restarting' | 'escalated' | 'dead' | 'revived'
    reason TEXT,                   -- for 'exited': 'normal' | 'abnormal' | 'shutdown'
    at INTEGER NOT NULL,
    restarts INTEGER NOT NULL,     -- the actor's restart count at that moment
    error TEXT                     -- JSON SerializedError or null
  );
  CREATE INDEX actor_events_supervisor ON actor_events (supervisor_id, kind, at);
  CREATE INDEX actor_events_actor ON actor_events (actor_id, id);
  CREATE TABLE dead_actors (
    actor_id TEXT PRIMARY KEY,
    supervisor_id TEXT,
    kind TEXT NOT NULL,            -- 'worker' | 'supervisor'
    at INTEGER NOT NULL,
    restarts INTEGER NOT NULL,
    errors TEXT NOT NULL           -- JSON array of SerializedError, newest last, at most 10
  );
  CREATE TABLE undeliverable (
    actor_id TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    last TEXT NOT NULL,            -- JSON array of { at, event }, newest last, at most 10
    updated_at INTEGER NOT NULL
  );
  `,
  // 3: the history is written by triggers, so no status change can reach the jobs table unlogged.
  // Each write that changes a job's status names its event in `last_event` and says whether it
  // recorded an error (then in `last_error`); the triggers copy that into `job_events`.
  `
  ALTER TABLE jobs ADD COLUMN last_event TEXT;
  ALTER TABLE jobs ADD COLUMN last_event_has_error INTEGER NOT NULL DEFAULT 0;
  UPDATE jobs SET last_event = (
    SELECT event FROM job_events WHERE job_id = jobs.id ORDER BY version DESC LIMIT 1
  );
  CREATE TRIGGER jobs_history_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO job_events (job_id, version, from_status, to_status, event, at, attempt, error)
    VALUES (NEW.id, NEW.version, NULL, NEW.status, NEW.last_event, NEW.updated_at, NEW.attempt,
      CASE WHEN NEW.last_event_has_error THEN NEW.last_error END);
  END;
  CREATE TRIGGER jobs_history_update AFTER UPDATE OF version ON jobs BEGIN
    INSERT INTO job_events (job_id, version, from_status, to_status, event, at, attempt, error)
    VALUES (NEW.id, NEW.version, OLD.status, NEW.status, NEW.last_event, NEW.updated_at,
      NEW.attempt, CASE WHEN NEW.last_event_has_error THEN NEW.last_error END);
  END;
  `,
  // 4: the Warden that owns the file. A second one refuses to start rather than recover the
  // first one's running jobs as stalled.
  `
  CREATE TABLE owner (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    token TEXT NOT NULL,           -- random, one per started Warden
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
  );
  `,
  // 5: the owner's process start time (to tell a process from a former one with its pid); which
  // process adopted a stalled last attempt to run its fallback; and a guard so that no status
  // change can skip the version (and so the history). Written to converge from every shape that
  // development builds of migrations 3 and 4 left behind.
  (db) => {
    const columns = (table: string): Set<string> =>
      new Set(
        (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map(
          (column) => column.name,
        ),
      );
    if (!columns('owner').has('process_started_at')) {
      db.exec('ALTER TABLE owner ADD COLUMN process_started_at INTEGER NOT NULL DEFAULT 0');
    }
    // The process (its random token) whose start-up adopted this job's stalled last attempt for
    // its fallback; each claim clears it.
    if (!columns('jobs').has('fallback_by'))
      db.exec('ALTER TABLE jobs ADD COLUMN fallback_by TEXT');
    db.exec(`
      CREATE TRIGGER IF NOT EXISTS jobs_status_needs_version BEFORE UPDATE OF status ON jobs
        WHEN NEW.status IS NOT OLD.status AND NEW.version IS OLD.version
      BEGIN
        SELECT RAISE(ABORT, 'a job status change must bump the version (and name its last_event)');
      END;
    `);
  },
  // 6: circuit breakers. One row per breaker holds the state it resumes in after a restart (an
  // open breaker stays open until `open_until`); every state change is appended to
  // breaker_events with its cause (the trip rule and the window's counts, as JSON).
  `
  CREATE TABLE breakers (
    name TEXT PRIMARY KEY,
    state TEXT NOT NULL,           -- 'closed' | 'open' | 'half-open' | 'isolated'
    opens INTEGER NOT NULL,        -- opens since it last closed: the backoff step
    open_until INTEGER,            -- for 'open': when it half-opens (ms since the epoch)
    reopen_ms INTEGER NOT NULL,    -- the open period after a failed trial
    changed_at INTEGER NOT NULL
  );
  CREATE TABLE breaker_events (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    from_state TEXT,               -- null for the first row of a breaker
    to_state TEXT NOT NULL,
    at INTEGER NOT NULL,
    open_until INTEGER,
    cause TEXT                     -- JSON: why it changed, or null
  );
  CREATE INDEX breaker_events_name ON breaker_events (name, id);
  `,
  // 7: claim-ahead. A job may be `claimed` by its owner before it starts; `stalls` counts its
  // recoveries from `claimed` after a crash. The unfinished (claimed or running) jobs are found
  // at start-up by index.
  `
  ALTER TABLE jobs ADD COLUMN stalls INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX jobs_unfinished ON jobs (id) WHERE status IN ('claimed', 'running');
  `,
  // 8: reads that stay fast at a million jobs. `job_counts` holds how many jobs of each type are
  // in each status, kept by triggers for whatever status a row has (back-filled here), so
  // countJobs reads a few rows instead of scanning the table. jobs_by_type gives every listJobs
  // filter id-ordered ranges (keyset paging), one per type and status (listJobs learns which
  // exist from job_counts). It leaves out the in-flight statuses, which jobs_unfinished holds, so
  // a job's claim, start and end touch it only as it leaves `queued` and as it ends. It replaces
  // jobs_dead.
  `
  CREATE TABLE job_counts (
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (type, status)
  ) WITHOUT ROWID;
  INSERT INTO job_counts (type, status, n) SELECT type, status, count(*) FROM jobs GROUP BY type, status;
  CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO job_counts (type, status, n) VALUES (NEW.type, NEW.status, 1)
      ON CONFLICT (type, status) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER job_counts_update AFTER UPDATE OF type, status ON jobs
    WHEN NEW.status IS NOT OLD.status OR NEW.type IS NOT OLD.type
  BEGIN
    INSERT INTO job_counts (type, status, n) VALUES (OLD.type, OLD.status, -1), (NEW.type, NEW.status, 1)
      ON CONFLICT (type, status) DO UPDATE SET n = n + excluded.n;
  END;
  CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs BEGIN
    UPDATE job_counts SET n = n - 1 WHERE type = OLD.type AND status = OLD.status;
  END;
  DROP INDEX jobs_dead;
  CREATE INDEX jobs_by_type ON jobs (type, status, id) WHERE status NOT IN ('claimed', 'running');
  `,
  // 9: operators' tools.
  // - job_counts is keyed by priority too (queue depth by priority without a scan); readers sum.
  // - jobs carry the W3C trace context they were enqueued in (traceparent, tracestate).
  // - error_events: every recorded failure (a job's failed attempt, an actor's abnormal exit, a
  //   breaker opening, and whatever the owner records itself), with its trace id; written by
  //   triggers where the failure is already a row, so none can be missed; trimmed by retention.
  // - commands: operations issued by another process (the CLI, a dashboard) that the file's
  //   owner carries out, then marks done or failed with its result.
  // - paused_types: job types that are not claimed until resumed; it survives restarts.
  // - runtime_snapshots: what the owner publishes for other processes to read (health, the tree,
  //   pools), each with the time it was written.
  `
  DROP TRIGGER job_counts_insert;
  DROP TRIGGER job_counts_update;
  DROP TRIGGER job_counts_delete;
  DROP TABLE job_counts;
  CREATE TABLE job_counts (
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    priority INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (type, status, priority)
  ) WITHOUT ROWID;
  INSERT INTO job_counts (type, status, priority, n)
    SELECT type, status, priority, count(*) FROM jobs GROUP BY type, status, priority;
  CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO job_counts (type, status, priority, n) VALUES (NEW.type, NEW.status, NEW.priority, 1)
      ON CONFLICT (type, status, priority) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER job_counts_update AFTER UPDATE OF type, status, priority ON jobs
    WHEN NEW.status IS NOT OLD.status OR NEW.type IS NOT OLD.type OR NEW.priority IS NOT OLD.priority
  BEGIN
    INSERT INTO job_counts (type, status, priority, n)
      VALUES (OLD.type, OLD.status, OLD.priority, -1), (NEW.type, NEW.status, NEW.priority, 1)
      ON CONFLICT (type, status, priority) DO UPDATE SET n = n + excluded.n;
  END;
  CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs BEGIN
    UPDATE job_counts SET n = n - 1
      WHERE type = OLD.type AND status = OLD.status AND priority = OLD.priority;
  END;
  ALTER TABLE jobs ADD COLUMN trace_parent TEXT;
  ALTER TABLE jobs ADD COLUMN trace_state TEXT;
  CREATE TABLE error_events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    source TEXT NOT NULL,          -- 'job' | 'actor' | 'breaker' | 'pool' | 'store' | 'command'
    subject TEXT NOT NULL,         -- the job's id, the actor's id, the breaker's or pool's name
    kind TEXT NOT NULL,            -- what failed: a job event ('FAIL', 'TIMEOUT', ...), 'exited', 'opened', ...
    job_type TEXT,                 -- for jobs
    attempt INTEGER,               -- for jobs
    error TEXT,                    -- JSON SerializedError, or null
    trace_id TEXT,
    span_id TEXT
  );
  CREATE INDEX error_events_at ON error_events (at);
  CREATE INDEX error_events_subject ON error_events (source, subject, id);
  CREATE TRIGGER error_events_job AFTER INSERT ON job_events WHEN NEW.error IS NOT NULL BEGIN
    INSERT INTO error_events (at, source, subject, kind, job_type, attempt, error, trace_id, span_id)
    SELECT NEW.at, 'job', CAST(NEW.job_id AS TEXT), NEW.event, jobs.type, NEW.attempt, NEW.error,
      substr(jobs.trace_parent, 4, 32), substr(jobs.trace_parent, 37, 16)
    FROM jobs WHERE jobs.id = NEW.job_id;
  END;
  CREATE TRIGGER error_events_actor AFTER INSERT ON actor_events WHEN NEW.error IS NOT NULL BEGIN
    INSERT INTO error_events (at, source, subject, kind, error)
    VALUES (NEW.at, 'actor', NEW.actor_id, NEW.kind, NEW.error);
  END;
  CREATE TRIGGER error_events_breaker AFTER INSERT ON breaker_events WHEN NEW.to_state = 'open' BEGIN
    INSERT INTO error_events (at, source, subject, kind, error)
    VALUES (NEW.at, 'breaker', NEW.name, 'opened', NEW.cause);
  END;
  CREATE TABLE commands (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,            -- 'job.replay' | 'job.cancel' | 'type.pause' | 'type.resume' | 'actor.restart' | ...
    target TEXT NOT NULL,          -- a job id, a job type, an actor id
    args TEXT,                     -- JSON or null
    issued_at INTEGER NOT NULL,
    issued_by TEXT NOT NULL,       -- who issued it: 'cli pid 123 on host h', say
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    result TEXT,                   -- JSON: what it did, or the SerializedError it failed with
    done_at INTEGER,
    done_by TEXT                   -- the owner's token
  );
  CREATE INDEX commands_pending ON commands (id) WHERE status = 'pending';
  CREATE TABLE paused_types (
    type TEXT PRIMARY KEY,
    paused_at INTEGER NOT NULL,
    paused_by TEXT NOT NULL
  );
  CREATE TABLE runtime_snapshots (
    name TEXT PRIMARY KEY,         -- 'health', 'tree', 'pools', 'breakers', ...
    at INTEGER NOT NULL,
    owner TEXT NOT NULL,           -- the owner's token
    body TEXT NOT NULL             -- JSON
  );
  `,
];

/** The first schema version with the `owner` table. */
export const ownerTableSince = 4;

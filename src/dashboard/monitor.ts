import type Database from 'better-sqlite3';
import type { Clock, TimerHandle } from '../clock.js';
import { readSnapshot } from '../persistence/sqlite/snapshots.js';
import { perConnection } from '../persistence/sqlite/perConnection.js';
import { checkQuery } from './requests.js';

/** How often the dashboard samples the finished total and the pools' utilisation. */
export const monitorSampleMs = 5_000;

/** How many samples it keeps: an hour's worth at `monitorSampleMs`. */
export const monitorSamples = 720;

/** The error rate's window: the last hour, by minute. */
const errorWindowMs = 60 * 60_000;
/** At most this many error events are counted for the rate (newest first, by error_events_at). */
const maxErrorsCounted = 100_000;
/** Durations: the newest this many finished jobs, among the newest `durationScan` jobs by id. */
const durationJobs = 10_000;
const durationScan = 100_000;
/** Failure reasons: the newest this many job error events, among the newest `failureScan`. */
const failureEvents = 5_000;
const failureScan = 50_000;
const topFailures = 10;

/** One look at the file: the jobs finished so far and each pool's leased share of its max. */
export interface MonitorSample {
  readonly at: number;
  /** Jobs in a finished status (succeeded, dead, cancelled), from `job_counts`. */
  readonly finished: number;
  /** Each pool's `stats.utilisation` (0 to 1) in the owner's last `pools` snapshot. */
  readonly pools: Readonly<Record<string, number>>;
}

/** What `GET api/monitor` answers. */
export interface MonitorReport {
  readonly at: number;
  readonly sampleMs: number;
  /** Jobs finished per minute between consecutive samples, at the later one's time. */
  readonly processing: readonly { readonly at: number; readonly perMinute: number }[];
  /** Error events per minute over the last hour (60 buckets, oldest first). */
  readonly errors: {
    readonly perMinute: readonly { readonly at: number; readonly count: number }[];
    /** True when the hour held more than the events counted. */
    readonly capped: boolean;
  };
  /** Jobs queued now by priority, highest first. */
  readonly queueDepth: readonly { readonly priority: number; readonly count: number }[];
  /** Average run time (finished_at - started_at) by type over the newest finished jobs. */
  readonly durations: readonly {
    readonly type: string;
    readonly avgMs: number;
    readonly count: number;
  }[];
  /** Each pool's utilisation (0 to 1) at each sample. */
  readonly pools: {
    readonly names: readonly string[];
    readonly samples: readonly {
      readonly at: number;
      readonly utilisation: Record<string, number>;
    }[];
  };
  /** The commonest failures among the newest job error events, by code and message. */
  readonly failures: readonly {
    readonly code: string | null;
    readonly message: string;
    readonly count: number;
    readonly lastAt: number;
  }[];
}

/** The monitor's reads (exported for the EXPLAIN QUERY PLAN test), each bounded. */
export const monitorQueries = {
  // job_counts is a few rows per type (its key is type, status, priority): no jobs row is read.
  finished: `SELECT coalesce(sum(n), 0) AS n FROM job_counts
       WHERE status IN ('succeeded', 'dead', 'cancelled')`,
  queued: `SELECT priority, sum(n) AS n FROM job_counts WHERE status = 'queued'
       GROUP BY priority HAVING sum(n) > 0 ORDER BY priority DESC`,
  // A range of error_events_at, newest first, at most maxErrorsCounted rows. (A bound JS number
  // is a REAL: the minute is cast, or every event would be a group of its own.)
  errors: `SELECT CAST((at - ?) / 60000 AS INTEGER) AS minute, count(*) AS n FROM
         (SELECT at FROM error_events WHERE at >= ? ORDER BY at DESC LIMIT ?)
       GROUP BY minute`,
  maxJobId: 'SELECT max(id) AS id FROM jobs',
  // A rowid range of the newest durationScan jobs, read newest first until durationJobs match.
  durations: `SELECT type, avg(finished_at - started_at) AS avg, count(*) AS n FROM
         (SELECT type, started_at, finished_at FROM jobs
          WHERE id > ? AND status IN ('succeeded', 'dead', 'cancelled')
            AND started_at IS NOT NULL AND finished_at IS NOT NULL
          ORDER BY id DESC LIMIT ?)
       GROUP BY type ORDER BY type`,
  maxErrorId: 'SELECT max(id) AS id FROM error_events',
  // A rowid range of the newest failureScan events (`+source`: not error_events_subject).
  failures: `SELECT json_extract(error, '$.code') AS code, json_extract(error, '$.message') AS message,
         count(*) AS n, max(at) AS last FROM
         (SELECT error, at FROM error_events WHERE id > ? AND +source = 'job'
          ORDER BY id DESC LIMIT ?)
       GROUP BY code, message ORDER BY n DESC, last DESC LIMIT ?`,
} as const;

function prepare(db: Database.Database) {
  return {
    finished: db.prepare<[], { n: number }>(monitorQueries.finished),
    queued: db.prepare<[], { priority: number; n: number }>(monitorQueries.queued),
    errors: db.prepare<[number, number, number], { minute: number; n: number }>(
      monitorQueries.errors,
    ),
    maxJobId: db.prepare<[], { id: number | null }>(monitorQueries.maxJobId),
    durations: db.prepare<[number, number], { type: string; avg: number; n: number }>(
      monitorQueries.durations,
    ),
    maxErrorId: db.prepare<[], { id: number | null }>(monitorQueries.maxErrorId),
    failures: db.prepare<
      [number, number, number],
      { code: string | null; message: string | null; n: number; last: number }
    >(monitorQueries.failures),
  };
}

const sqlOf = perConnection(prepare);

/** Each pool's utilisation in the owner's `pools` snapshot (`[{ name, stats }]`). */
function poolUtilisation(db: Database.Database): Record<string, number> {
  const body = readSnapshot(db, 'pools')?.body;
  const found: Record<string, number> = {};
  if (!Array.isArray(body)) return found;
  for (const pool of body as { name?: unknown; stats?: { utilisation?: unknown } }[]) {
    const utilisation = pool?.stats?.utilisation;
    if (typeof pool?.name === 'string' && typeof utilisation === 'number') {
      found[pool.name] = utilisation;
    }
  }
  return found;
}

/** Takes one sample of `db` at `at`. */
export function takeSample(db: Database.Database, at: number): MonitorSample {
  return { at, finished: sqlOf(db).finished.get()?.n ?? 0, pools: poolUtilisation(db) };
}

/**
 * Samples the file every `everyMs` on `clock` into a ring of the last `capacity` samples, kept in
 * memory. `connection()` gives the dashboard's read-only connection once it is open (it opens at
 * the first request), undefined before: no sample is taken then. A sample that fails (the file
 * went away) is skipped; the next tick tries again.
 */
export class MonitorSampler {
  private readonly ring: MonitorSample[] = [];
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly connection: () => Database.Database | undefined,
    private readonly everyMs = monitorSampleMs,
    private readonly capacity = monitorSamples,
  ) {}

  /** Starts sampling; a second call does nothing. */
  start(): void {
    if (this.timer === undefined) this.timer = this.clock.setTimeout(this.tick, this.everyMs);
  }

  /** Stops sampling; the samples kept stay. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Samples now (when the connection is open). */
  sample(): void {
    const db = this.connection();
    if (db === undefined) return;
    try {
      this.ring.push(takeSample(db, this.clock.now()));
    } catch {
      return; // the file is unreadable for now: the next tick tries again
    }
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }

  /** The samples kept, oldest first. */
  samples(): readonly MonitorSample[] {
    return this.ring;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    this.sample();
    this.timer = this.clock.setTimeout(this.tick, this.everyMs);
  };
}

/** Jobs finished per minute between consecutive samples; a drop (retention deleted jobs) is 0. */
function processing(samples: readonly MonitorSample[]): MonitorReport['processing'] {
  const rates: { at: number; perMinute: number }[] = [];
  for (let i = 1; i < samples.length; i++) {
    const [before, after] = [samples[i - 1], samples[i]] as [MonitorSample, MonitorSample];
    const elapsed = after.at - before.at;
    if (elapsed <= 0) continue;
    const done = Math.max(0, after.finished - before.finished);
    rates.push({ at: after.at, perMinute: (done * 60_000) / elapsed });
  }
  return rates;
}

function errorRate(db: Database.Database, now: number): MonitorReport['errors'] {
  const start = now - errorWindowMs;
  const rows = sqlOf(db).errors.all(start, start, maxErrorsCounted + 1);
  const buckets = Array.from({ length: 60 }, (_, i) => ({ at: start + i * 60_000, count: 0 }));
  let counted = 0;
  for (const { minute, n } of rows) {
    counted += n;
    const bucket = buckets[Math.min(59, Math.max(0, Math.floor(minute)))];
    if (bucket !== undefined) bucket.count += n;
  }
  return { perMinute: buckets, capped: counted > maxErrorsCounted };
}

function pools(samples: readonly MonitorSample[]): MonitorReport['pools'] {
  const names = new Set<string>();
  for (const sample of samples) for (const name of Object.keys(sample.pools)) names.add(name);
  return {
    names: [...names].sort(),
    samples: samples.map((sample) => ({ at: sample.at, utilisation: { ...sample.pools } })),
  };
}

/**
 * `GET api/monitor`: the processing rate and pool utilisation from the samples kept, and from
 * the file the error rate of the last hour, the queue depth by priority, the average durations
 * and the top failure reasons, each read bounded (docs in the report's fields).
 */
export function monitorReport(
  db: Database.Database,
  samples: readonly MonitorSample[],
  now: number,
  query: URLSearchParams,
): MonitorReport {
  checkQuery(query);
  const sql = sqlOf(db);
  const lastJob = sql.maxJobId.get()?.id ?? 0;
  const lastError = sql.maxErrorId.get()?.id ?? 0;
  return {
    at: now,
    sampleMs: monitorSampleMs,
    processing: processing(samples),
    errors: errorRate(db, now),
    queueDepth: sql.queued.all().map(({ priority, n }) => ({ priority, count: n })),
    durations: sql.durations
      .all(lastJob - durationScan, durationJobs)
      .map(({ type, avg, n }) => ({ type, avgMs: Math.round(avg), count: n })),
    pools: pools(samples),
    failures: sql.failures
      .all(lastError - failureScan, failureEvents, topFailures)
      .map(({ code, message, n, last }) => ({
        code,
        message: message ?? '',
        count: n,
        lastAt: last,
      })),
  };
}

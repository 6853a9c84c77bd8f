import type Database from 'better-sqlite3';
import type { Clock } from '../clock.js';
import { InvalidOptionError, JobNotFoundError, isWardenError } from '../errors.js';
import { checkFilter } from '../facade/jobsApi.js';
import type { JobStatus } from '../machines/jobMachine.js';
import { countJobs } from '../persistence/sqlite/countJobs.js';
import { listErrorEvents, type ErrorEventFilter } from '../persistence/sqlite/errorEvents.js';
import { filterStatuses } from '../persistence/jobCursor.js';
import { listJobsPage } from '../persistence/sqlite/listJobs.js';
import { checkSearchText, searchJobs } from '../persistence/sqlite/searchJobs.js';
import { PausedTypeReads } from '../persistence/sqlite/pausedTypes.js';
import { JobReads } from '../persistence/sqlite/readJobs.js';
import { readSnapshot } from '../persistence/sqlite/snapshots.js';
import type { JobFilter } from '../persistence/Store.js';
import { wholeNumber } from '../cli/options.js';
import { checkKeys, checkObject } from '../options.js';
import { bulkJobs, type BulkAction, type BulkResult } from '../commands/bulkJobs.js';
import { ownerOf } from '../cli/owner.js';
import { BodyTooLargeError, checkId, checkQuery } from './requests.js';

/** The HTTP status for an error a request ended with. */
export function statusOf(error: unknown): number {
  if (error instanceof BodyTooLargeError) return 413;
  if (isWardenError(error, 'INVALID_OPTION')) return 400;
  if (isWardenError(error, 'JOB_NOT_FOUND') || isWardenError(error, 'ACTOR_NOT_FOUND')) return 404;
  if (isWardenError(error, 'INVALID_TRANSITION')) return 409;
  if (isWardenError(error, 'NOT_RUNNING')) return 409;
  if (isWardenError(error, 'COMMAND_TIMEOUT')) return 504;
  if (
    isWardenError(error, 'DATABASE_UNAVAILABLE') ||
    isWardenError(error, 'NOT_A_WARDEN_DATABASE') ||
    isWardenError(error, 'SCHEMA_TOO_NEW')
  ) {
    return 503;
  }
  return 500;
}

/** A query parameter given at most once; `name` for the error. */
function single(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw new InvalidOptionError(name, 'given at most once', values);
  return values[0];
}

/** A whole-number parameter, from `min` up, checked as the CLI checks its flags. */
function whole(name: string, text: string | undefined, min: number): number | undefined {
  return text === undefined ? undefined : wholeNumber(name, text, min, Number.MAX_SAFE_INTEGER);
}

/** `POST api/bulk`'s body `{action, status?, type?, q?, max?}`, carried out by `bulkJobs`. */
export function bulkRequest(database: string, body: unknown): Promise<BulkResult> {
  const given = checkObject('bulk', body);
  checkKeys('bulk', given, ['action', 'status', 'type', 'q', 'max']);
  const { action, max, ...filter } = given;
  return bulkJobs(
    database,
    action as BulkAction,
    filter,
    max === undefined ? {} : { max: max as number },
  );
}

/** `?status=a,b&type=t&limit=n&after=cursor` as a checked job filter; unknown parameters refused. */
export function jobFilterOf(query: URLSearchParams): JobFilter {
  checkQuery(query, ['status', 'type', 'id', 'q', 'limit', 'after']);
  const status = single(query, 'status');
  const type = single(query, 'type');
  const limit = whole('limit', single(query, 'limit'), 1);
  const after = single(query, 'after');
  // checkFilter checks each status, the type, the limit's bounds and the cursor.
  return checkFilter('jobs filter', {
    ...(status === undefined ? {} : { status: status.split(',') as JobStatus[] }),
    ...(type === undefined ? {} : { type }),
    ...(limit === undefined ? {} : { limit }),
    ...(after === undefined ? {} : { after }),
  });
}

/** `?source=&type=&subject=&since=&before=&limit=` as an error-event filter. */
export function errorFilterOf(query: URLSearchParams): ErrorEventFilter {
  checkQuery(query, ['source', 'type', 'subject', 'since', 'before', 'limit']);
  const source = single(query, 'source');
  const type = single(query, 'type');
  const subject = single(query, 'subject');
  const since = whole('since', single(query, 'since'), 0);
  const before = single(query, 'before');
  const limit = whole('limit', single(query, 'limit'), 1);
  return {
    ...(source === undefined ? {} : { source: source as ErrorEventFilter['source'] & string }),
    ...(type === undefined ? {} : { jobType: type }),
    ...(subject === undefined ? {} : { subject }),
    ...(since === undefined ? {} : { since }),
    ...(before === undefined ? {} : { before }),
    ...(limit === undefined ? {} : { limit }),
  };
}

/** The read side of the dashboard: pure reads over its read-only connection. */
export class DashboardReads {
  private readonly jobs: JobReads;
  private readonly paused: PausedTypeReads;
  private readonly typeCounts: Database.Statement<[], { type: string; status: string; n: number }>;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {
    this.jobs = new JobReads(db);
    this.paused = new PausedTypeReads(db);
    this.typeCounts = db.prepare(
      'SELECT type, status, sum(n) AS n FROM job_counts GROUP BY type, status HAVING sum(n) > 0 ORDER BY type',
    );
  }

  /** Counts by status, paused types, the owner, and the owner's last published health. */
  overview(): Record<string, unknown> {
    return {
      counts: countJobs(this.db),
      paused: this.paused.pausedTypes(),
      owner: ownerOf(this.db, this.clock),
      health: readSnapshot(this.db, 'health') ?? null,
    };
  }

  /**
   * A page of the jobs list: by the filter (`status`, `type`), one job (`id`), or a text search
   * over payloads and errors (`q`, in windows of the primary key: see `searchJobs`).
   */
  jobsPage(query: URLSearchParams): unknown {
    const q = single(query, 'q') ?? '';
    const id = single(query, 'id') ?? '';
    const after = q === '' ? undefined : single(query, 'after');
    const rest = new URLSearchParams(query);
    for (const key of ['q', 'id', ...(after === undefined ? [] : ['after'])]) rest.delete(key);
    const filter = jobFilterOf(rest);
    if (id !== '' && q !== '') {
      throw new InvalidOptionError('q', 'absent when `id` is given (one job is shown)', q);
    }
    if (id !== '') {
      const job = this.jobs.getJob(checkId(id));
      const statuses = filterStatuses(filter);
      const matches =
        job !== undefined &&
        (statuses === undefined || statuses.includes(job.status)) &&
        (filter.type === undefined || filter.type === job.type);
      return { jobs: matches ? [job] : [], nextCursor: null };
    }
    if (q === '') return listJobsPage(this.db, filter);
    const statuses = filterStatuses(filter) as JobStatus[] | undefined;
    return searchJobs(this.db, {
      q: checkSearchText(q),
      ...(statuses === undefined ? {} : { status: statuses }),
      ...(filter.type === undefined ? {} : { type: filter.type }),
      ...(filter.limit === undefined ? {} : { limit: filter.limit }),
      ...(after === undefined ? {} : { after }),
    });
  }

  /** One job with its history; `JobNotFoundError` for an id the file does not hold. */
  job(id: string): unknown {
    const job = this.jobs.getJob(checkId(id));
    if (job === undefined) throw new JobNotFoundError(id);
    return { job, history: this.jobs.history(id) };
  }

  errors(query: URLSearchParams): unknown {
    return { events: listErrorEvents(this.db, errorFilterOf(query)) };
  }

  /** Each job type: its jobs by status (from the kept counts: no scan) and whether it is paused. */
  types(): unknown {
    const counts = this.typeCounts.all();
    const paused = new Map(this.paused.pausedTypes().map((p) => [p.type, p]));
    const types = new Map<string, Record<string, number>>();
    for (const row of counts) types.set(row.type, { ...types.get(row.type), [row.status]: row.n });
    for (const type of paused.keys()) if (!types.has(type)) types.set(type, {});
    return {
      types: [...types].map(([type, byStatus]) => ({
        type,
        counts: byStatus,
        paused: paused.get(type) ?? null,
      })),
    };
  }

  /** A snapshot the owner published (`tree`, `pools`, `breakers`), or null. */
  snapshot(name: 'tree' | 'pools' | 'breakers'): unknown {
    return readSnapshot(this.db, name) ?? null;
  }
}

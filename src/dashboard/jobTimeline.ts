import type Database from 'better-sqlite3';
import { JobNotFoundError, type SerializedError } from '../errors.js';
import { listErrorEvents, type ErrorEvent } from '../persistence/sqlite/errorEvents.js';
import { JobReads } from '../persistence/sqlite/readJobs.js';
import type { Job, JobHistoryEntry } from '../persistence/Store.js';
import { perConnection } from '../persistence/sqlite/perConnection.js';
import { checkId, checkQuery, segment } from './requests.js';

/** The most error events one timeline lists (the newest first). */
export const timelineErrorLimit = 200;

/** One job as its page shows it: the row, every status change in order, its errors, its trace. */
export interface JobTimeline {
  readonly job: Job;
  /** Its `job_events`, oldest first: creation (`from` null), then each status change. */
  readonly timeline: readonly JobHistoryEntry[];
  /** Its recorded failures (source `job`), newest first, at most `timelineErrorLimit`. */
  readonly errors: readonly ErrorEvent[];
  readonly attempts: { readonly made: number; readonly max: number };
  readonly progress: Job['progress'];
  readonly checkpoint: unknown;
  readonly payload: unknown;
  readonly result: unknown;
  readonly lastError: SerializedError | null;
  /** The trace id of its creation context (from its W3C traceparent), or null for none. */
  readonly traceId: string | null;
  readonly traceparent: string | null;
}

const traceparentShape = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}(?:-.*)?$/;

/** The trace id of a W3C `traceparent` (`00-<traceid>-<spanid>-<flags>`), or null. */
export function traceIdOf(traceparent: string | null): string | null {
  const traceId = traceparent === null ? undefined : traceparentShape.exec(traceparent)?.[1];
  return traceId === undefined || /^0+$/.test(traceId) ? null : traceId;
}

/** The reads of one job's page, over the dashboard's read-only connection. */
export class JobTimelineReads {
  private readonly jobs: JobReads;

  constructor(private readonly db: Database.Database) {
    this.jobs = new JobReads(db);
  }

  /** Job `id`'s timeline: `InvalidOptionError` for a bad id, `JobNotFoundError` for none. */
  timeline(id: string): JobTimeline {
    const job = this.jobs.getJob(checkId(id));
    if (job === undefined) throw new JobNotFoundError(id);
    return {
      job,
      timeline: this.jobs.history(id),
      // Only the job source: a command's or an actor's subject is its own id, not a job's.
      errors: listErrorEvents(this.db, { source: 'job', subject: id, limit: timelineErrorLimit }),
      attempts: { made: job.attempt, max: job.maxAttempts },
      progress: job.progress,
      checkpoint: job.checkpoint,
      payload: job.payload,
      result: job.result,
      lastError: job.error,
      traceId: traceIdOf(job.traceparent),
      traceparent: job.traceparent,
    };
  }
}

const readersOf = perConnection((db) => new JobTimelineReads(db));

/**
 * `GET api/jobs/:id/timeline`: `raw` is the id as the path spells it (percent-encoded); the query
 * may carry only the page's `token`.
 */
export function jobTimeline(
  db: Database.Database,
  raw: string,
  query: URLSearchParams = new URLSearchParams(),
): JobTimeline {
  checkQuery(query);
  return readersOf(db).timeline(segment('id', raw, 'a job id'));
}

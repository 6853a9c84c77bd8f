import type { SerializedError } from '../../errors.js';
import type { JobStatus } from '../../machines/jobMachine.js';
import type { ClaimedJob, Job } from '../Store.js';

/** A row of the `jobs` table. */
export interface JobRow {
  id: number;
  type: string;
  status: JobStatus;
  payload: string;
  priority: number;
  run_at: number;
  attempt: number;
  max_attempts: number;
  stalls: number;
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
  trace_parent: string | null;
  trace_state: string | null;
}

/** The columns a claim returns. */
export interface ClaimRow {
  id: number;
  type: string;
  priority: number;
  payload: string;
  attempt: number;
  max_attempts: number;
  stalls: number;
  version: number;
  checkpoint: string | null;
  trace_parent: string | null;
  trace_state: string | null;
}

/** Parses nullable JSON text. */
export function parseJson(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

export function toJob(row: JobRow): Job {
  return {
    id: String(row.id),
    type: row.type,
    status: row.status,
    payload: JSON.parse(row.payload) as unknown,
    priority: row.priority,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    stalls: row.stalls,
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
    traceparent: row.trace_parent,
    tracestate: row.trace_state,
  };
}

export function toClaimed(row: ClaimRow): ClaimedJob {
  return {
    id: String(row.id),
    type: row.type,
    priority: row.priority,
    payloadJson: row.payload,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    stalls: row.stalls,
    version: row.version,
    checkpointJson: row.checkpoint,
    traceparent: row.trace_parent,
    tracestate: row.trace_state,
  };
}

/** Parses a job id; undefined for anything that cannot be one. */
export function rowId(id: string): number | undefined {
  if (!/^[1-9]\d{0,15}$/.test(id)) return undefined;
  const n = Number(id);
  // Past 2^53 two ids would read as one number: such an id names no job.
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The SQLite error code of a thrown error, if any. */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

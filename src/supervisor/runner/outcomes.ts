import type { JobRun, RunOutcome } from '../../actors/jobRun.js';
import type { JobEvent } from '../../events/types.js';
import type { Job, NewJob, StatusChange } from '../../persistence/Store.js';

/** The status change that records a run's outcome. */
export function outcomeChange(run: JobRun, outcome: RunOutcome, at: number): StatusChange {
  const { id, version, attempt } = run;
  const base = { id, from: 'running', version, at, attempt } as const;
  switch (outcome.to) {
    case 'retrying':
      return { ...base, to: 'retrying', event: 'FAIL', runAt: outcome.runAt, error: outcome.error };
    case 'dead':
      return { ...base, to: 'dead', event: 'FAIL', error: outcome.error };
    case 'succeeded':
      return {
        ...base,
        to: 'succeeded',
        event: 'SUCCEED',
        resultJson: outcome.resultJson,
        viaFallback: outcome.viaFallback,
        error: outcome.error,
      };
    case 'cancelled':
      return { ...base, to: 'cancelled', event: 'CANCEL' };
  }
}

/** The event that tells the world of a committed outcome. */
export function outcomeEvent(run: JobRun, outcome: RunOutcome, at: number): JobEvent {
  const base = { jobId: run.id, jobType: run.type, at, attempt: run.attempt };
  switch (outcome.to) {
    case 'succeeded':
      return { type: 'job.succeeded', ...base, viaFallback: outcome.viaFallback };
    case 'retrying':
      return { type: 'job.retrying', ...base, error: outcome.error, runAt: outcome.runAt };
    case 'dead':
      return { type: 'job.dead', ...base, error: outcome.error };
    case 'cancelled':
      return { type: 'job.cancelled', ...base };
  }
}

/** The stored record of a job just inserted, built without reading it back. */
export function insertedJob(input: NewJob, id: string, at: number): Job {
  return {
    id,
    type: input.type,
    status: input.status,
    payload: JSON.parse(input.payloadJson) as unknown,
    priority: input.priority,
    attempt: 0,
    maxAttempts: input.maxAttempts,
    stalls: 0,
    runAt: input.runAt,
    version: 0,
    idempotencyKey: input.idempotencyKey,
    progress: null,
    checkpoint: null,
    result: null,
    error: null,
    viaFallback: false,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
    traceparent: input.traceparent ?? null,
    tracestate: input.tracestate ?? null,
  };
}

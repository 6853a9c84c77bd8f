import { serializeError, StalledJobError } from '../../errors.js';
import type { JobEvent } from '../../events/types.js';
import { nextJobStep } from '../../machines/jobMachine.js';
import type { Job, StatusChange } from '../../persistence/Store.js';
import { backoffDelay, type ResolvedBackoff } from '../../policies/backoff.js';
import type { ResolvedJobDefinition } from '../../actors/jobDefinition.js';

/** What recovery found: the changes to write, and the stalled last attempts whose fallback is to run. */
export interface Recovery {
  readonly changes: { readonly change: StatusChange; readonly events: readonly JobEvent[] }[];
  readonly awaitingFallback: Job[];
}

/**
 * Decides, with the job machine, what becomes of the jobs a dead process left unfinished: a
 * `running` job stalled (its attempt counts: `STALL`), a `claimed` one never started (`RECOVER`:
 * back to `queued`, unless it was recovered more than `maxStalls` times).
 */
export function recoverUnfinished(
  jobs: readonly Job[],
  options: {
    readonly now: number;
    readonly maxStalls: number;
    readonly definitions: ReadonlyMap<string, ResolvedJobDefinition>;
    readonly defaultBackoff: ResolvedBackoff;
    readonly random: () => number;
  },
): Recovery {
  const { now } = options;
  const recovery: Recovery = { changes: [], awaitingFallback: [] };
  for (const job of jobs) {
    if (job.status !== 'running' && job.status !== 'claimed') continue;
    const definition = options.definitions.get(job.type);
    const context = {
      attempt: job.attempt,
      maxAttempts: job.maxAttempts,
      stalls: job.stalls,
      maxStalls: options.maxStalls,
      hasFallback: definition?.fallback !== undefined,
    };
    const event = job.status === 'running' ? 'STALL' : 'RECOVER';
    const step = nextJobStep(job.status, context, { type: event });
    if (step === undefined || step.status === 'new') continue;
    if (step.fallback) {
      // Its last attempt failed by dying with its process: its fallback is to run, as it would
      // have in that process. It stays `running` until a process adopts it.
      recovery.awaitingFallback.push(job);
      continue;
    }
    const base = { jobId: job.id, jobType: job.type, at: now, attempt: step.context.attempt };
    const change: StatusChange = {
      id: job.id,
      from: job.status,
      to: step.status,
      event,
      version: job.version,
      at: now,
      attempt: step.context.attempt,
      stalls: step.context.stalls,
    };
    if (step.status === 'queued') {
      recovery.changes.push({ change, events: [{ type: 'job.queued', ...base }] });
      continue;
    }
    const error = serializeError(new StalledJobError(job.id));
    const events: JobEvent[] = [{ type: 'job.stalled', ...base }];
    if (step.status === 'retrying') {
      const backoff = definition?.backoff ?? options.defaultBackoff;
      const runAt = now + backoffDelay(backoff, step.context.attempt, options.random());
      events.push({ type: 'job.retrying', ...base, error, runAt });
      recovery.changes.push({ change: { ...change, runAt, error }, events });
    } else {
      events.push({ type: 'job.dead', ...base, error });
      recovery.changes.push({ change: { ...change, error }, events });
    }
  }
  return recovery;
}

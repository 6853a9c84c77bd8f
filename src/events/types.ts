import type { SerializedError } from '../errors.js';
import type { JobProgress } from '../persistence/Store.js';

interface JobEventBase {
  readonly jobId: string;
  readonly jobType: string;
  /** When it happened, from the injected clock. */
  readonly at: number;
  /** The attempt this event belongs to (0 before the first one starts). */
  readonly attempt: number;
}

/** Every job event, by name: each is emitted once its change is committed. */
export interface JobEventMap {
  /** A job was enqueued with a delay or `runAt`. */
  'job.scheduled': JobEventBase & { readonly runAt: number };
  /** A job is waiting for a worker: just enqueued, due, or replayed. */
  'job.queued': JobEventBase;
  /** An attempt began. */
  'job.started': JobEventBase;
  /** A running job reported progress. */
  'job.progress': JobEventBase & { readonly progress: JobProgress };
  /** An attempt failed and another one will run at `runAt`. */
  'job.retrying': JobEventBase & { readonly error: SerializedError; readonly runAt: number };
  /** The job finished; `viaFallback` when its fallback produced the result. */
  'job.succeeded': JobEventBase & { readonly viaFallback: boolean };
  /** The job was cancelled. */
  'job.cancelled': JobEventBase;
  /** The job failed for good: out of attempts, unrecoverable, or its fallback failed too. */
  'job.dead': JobEventBase & { readonly error: SerializedError };
  /** The job was found running after the process that ran it died. */
  'job.stalled': JobEventBase;
}

/** The name of a Warden event. */
export type WardenEventType = keyof WardenEventMap;

/** Every event Warden emits, by name. */
export type WardenEventMap = JobEventMap;

/** One event, tagged with its name in `type`. */
export type WardenEvent = {
  [K in WardenEventType]: { readonly type: K } & WardenEventMap[K];
}[WardenEventType];

/** The event named `K`. */
export type WardenEventOf<K extends WardenEventType> = Extract<WardenEvent, { type: K }>;

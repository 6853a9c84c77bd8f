import type { SerializedError } from '../errors.js';
import type { BreakerEvent, BreakerEventMap } from './breakerEvents.js';
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

interface ActorEventBase {
  readonly actorId: string;
  /** The supervising actor's id; null for the root supervisor. */
  readonly supervisorId: string | null;
  readonly at: number;
  /** The actor's restart count at that moment. */
  readonly restarts: number;
}

/** Every supervision event, by name: each is emitted once it is written to the database. */
export interface ActorEventMap {
  /** A supervised actor (or supervisor) was started. */
  'actor.started': ActorEventBase;
  /** It ended: `normal`, `abnormal` (with the error), or `shutdown` (stopped by its supervisor). */
  'actor.exited': ActorEventBase & {
    readonly reason: 'normal' | 'abnormal' | 'shutdown';
    readonly error?: SerializedError;
  };
  /** Its supervisor will start it again after `delayMs`. */
  'actor.restarting': ActorEventBase & { readonly delayMs: number };
  /** Its restart budget is spent and it was dead-lettered, with its last errors. */
  'actor.dead': ActorEventBase & { readonly errors: readonly SerializedError[] };
  /** A dead-lettered actor's dead letter was closed by hand: `restartActor` (then `actor.started`) or `removeActor` (then `actor.removed`). */
  'actor.revived': ActorEventBase;
  /** It was stopped by hand with `stopActor` (after its exit and those of its children): it stays stopped until `restartActor`. */
  'actor.stopped': ActorEventBase;
  /** An actor stopped by hand was started again with `restartActor` (`actor.started` follows). */
  'actor.resumed': ActorEventBase;
  /** A stopped actor, with its whole subtree, was taken out of the tree with `removeActor`. */
  'actor.removed': ActorEventBase;
  /** A supervisor exceeded its restart intensity and stops its children; it then fails to its parent, or is dead-lettered (`actor.dead` follows) if so configured. */
  'supervisor.escalated': ActorEventBase & { readonly error: SerializedError };
  /** An event was sent to an actor that is not running; `count` counts all such events for it. */
  'actor.undeliverable': {
    readonly actorId: string;
    readonly at: number;
    readonly count: number;
    readonly eventType: string;
  };
}

/**
 * Pausing and resuming job types, by name: each is emitted once committed, and only when it
 * changed something. Named `jobType.*`, not `job.*`: `isJobEvent` events name one job.
 */
export interface JobTypeEventMap {
  /** Jobs of `jobType` are no longer claimed (claimed, unstarted ones went back to `queued`). */
  'jobType.paused': { readonly jobType: string; readonly at: number; readonly by: string };
  /** Jobs of `jobType` are claimed again. */
  'jobType.resumed': { readonly jobType: string; readonly at: number; readonly by: string };
}

/** Every event Warden emits, by name. */
export type WardenEventMap = JobEventMap & ActorEventMap & BreakerEventMap & JobTypeEventMap;

/** The name of a Warden event. */
export type WardenEventType = keyof WardenEventMap;

/** Every event name, for checking a name given at run time (the record makes the list complete). */
const eventTypeSet: Record<WardenEventType, true> = {
  'job.scheduled': true,
  'job.queued': true,
  'job.started': true,
  'job.progress': true,
  'job.retrying': true,
  'job.succeeded': true,
  'job.cancelled': true,
  'job.dead': true,
  'job.stalled': true,
  'actor.started': true,
  'actor.exited': true,
  'actor.restarting': true,
  'actor.dead': true,
  'actor.revived': true,
  'actor.stopped': true,
  'actor.resumed': true,
  'actor.removed': true,
  'supervisor.escalated': true,
  'actor.undeliverable': true,
  'breaker.opened': true,
  'breaker.half-opened': true,
  'breaker.closed': true,
  'breaker.isolated': true,
  'jobType.paused': true,
  'jobType.resumed': true,
};

/** True when `name` is an event Warden emits. */
export function isWardenEventType(name: unknown): name is WardenEventType {
  return typeof name === 'string' && Object.hasOwn(eventTypeSet, name);
}

/** One event, tagged with its name in `type`. */
export type WardenEvent = {
  [K in WardenEventType]: { readonly type: K } & WardenEventMap[K];
}[WardenEventType];

/** One job event. */
export type JobEvent = {
  [K in keyof JobEventMap]: { readonly type: K } & JobEventMap[K];
}[keyof JobEventMap];

/** One supervision event. */
export type ActorEvent = {
  [K in keyof ActorEventMap]: { readonly type: K } & ActorEventMap[K];
}[keyof ActorEventMap];

/** The event named `K`. */
export type WardenEventOf<K extends WardenEventType> = Extract<WardenEvent, { type: K }>;

/** True for job events (`job.*`). */
export function isJobEvent(event: WardenEvent): event is JobEvent {
  return event.type.startsWith('job.');
}

/** True for supervision events (`actor.*`, `supervisor.*`). */
export function isActorEvent(event: WardenEvent): event is ActorEvent {
  return event.type.startsWith('actor.') || event.type.startsWith('supervisor.');
}

/** True for breaker events (`breaker.*`). */
export function isBreakerEvent(event: WardenEvent): event is BreakerEvent {
  return event.type.startsWith('breaker.');
}

export type { BreakerEvent, BreakerEventMap };

import type { SerializedError, WardenError } from '../errors.js';
import type { JobMachineEvent, JobStatus } from '../machines/jobMachine.js';

/** How far a running job has got, as last reported by `ctx.progress()`. */
export interface JobProgress {
  readonly done: number;
  readonly total?: number;
}

/** A job as stored: everything Warden knows about it. */
export interface Job<Payload = unknown, Result = unknown> {
  readonly id: string;
  readonly type: string;
  readonly status: JobStatus;
  readonly payload: Payload;
  /** Higher runs first; jobs of equal priority run in the order they were enqueued. */
  readonly priority: number;
  /** Attempts started so far. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** When a scheduled or retrying job becomes due (ms since the epoch). */
  readonly runAt: number;
  /** Bumped by every status change; writers name the version they read. */
  readonly version: number;
  readonly idempotencyKey: string | null;
  readonly progress: JobProgress | null;
  /** The last value passed to `ctx.checkpoint()`, kept across retries and restarts. */
  readonly checkpoint: unknown;
  readonly result: Result | null;
  /** The error of the latest failed attempt. */
  readonly error: SerializedError | null;
  /** True when the job succeeded through its fallback after its last attempt failed. */
  readonly viaFallback: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

/** One row of a job's history: a status change, with the error that caused it if any. */
export interface JobHistoryEntry {
  /** Null for the row that records the job's creation. */
  readonly from: JobStatus | null;
  readonly to: JobStatus;
  /** The machine event, or `ENQUEUE` for creation. */
  readonly event: JobMachineEvent['type'] | 'ENQUEUE';
  readonly at: number;
  readonly attempt: number;
  readonly error: SerializedError | null;
}

/** A job to insert. */
export interface NewJob {
  readonly type: string;
  readonly status: 'queued' | 'scheduled';
  readonly payloadJson: string;
  readonly priority: number;
  readonly runAt: number;
  readonly maxAttempts: number;
  readonly idempotencyKey: string | null;
  readonly at: number;
}

/** A version-checked status change. */
export interface StatusChange {
  readonly id: string;
  readonly from: JobStatus;
  readonly to: JobStatus;
  readonly event: JobMachineEvent['type'];
  /** The version the writer read; the change is refused if the row has moved on. */
  readonly version: number;
  readonly at: number;
  readonly runAt?: number;
  readonly attempt?: number;
  readonly error?: SerializedError | undefined;
  readonly resultJson?: string;
  readonly viaFallback?: boolean;
}

/** A job just moved from `queued` to `running`, with what its attempt needs. */
export interface ClaimedJob {
  readonly id: string;
  readonly type: string;
  readonly payloadJson: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly version: number;
  readonly checkpointJson: string | null;
}

/** A scheduled or retrying job that became due and is now queued. */
export interface PromotedJob {
  readonly id: string;
  readonly type: string;
  readonly attempt: number;
}

/** Filters for `listJobs`. */
export interface JobFilter {
  readonly status?: JobStatus | readonly JobStatus[];
  readonly type?: string;
  /** At most this many jobs (default 100). */
  readonly limit?: number;
  /** Skip this many first (default 0). */
  readonly offset?: number;
}

/**
 * Durable job storage. Every method is synchronous and runs inside the caller's transaction when
 * one is open; every status change is checked against the job machine's transition table and
 * against the row's version.
 */
export interface Store {
  /** Opens (creating or migrating) the database; refuses foreign, damaged or newer files. */
  open(): void;
  close(): void;
  /** Runs `fn` in one transaction: everything it writes commits together or not at all. */
  transaction<T>(fn: () => T): T;
  /**
   * Inside a transaction, runs `fn` so that if it throws, only its own writes are undone (a
   * savepoint) and the error is rethrown; the transaction goes on.
   */
  isolated<T>(fn: () => T): T;
  /**
   * Marks a stalled `running` job's fallback as begun by `adopter` (a process's random token), if
   * the row is still at `version` and no other process marked it; false otherwise.
   */
  adoptForFallback(id: string, version: number, adopter: string): boolean;
  /** Clears `adopter`'s mark: its fallback was given up unfinished, not lost with a process. */
  releaseFallback(id: string, version: number, adopter: string): void;
  /** Inserts a job, or returns the existing one when its idempotency key is taken. */
  insertJob(job: NewJob): { job: Job; created: boolean };
  /** Applies a status change and records it in the history; returns the new version. */
  changeStatus(change: StatusChange): number;
  /** Applies many status changes in order; each result is the new version or why it was refused. */
  changeStatusMany(changes: readonly StatusChange[]): (number | WardenError)[];
  /** Moves due `scheduled` and `retrying` jobs to `queued`; returns the jobs moved. */
  promoteDue(now: number, limit: number): readonly PromotedJob[];
  /** Ids and types of queued jobs of the given types, best first. */
  queuedCandidates(
    types: readonly string[],
    limit: number,
  ): readonly { id: string; type: string }[];
  /** Moves the given queued jobs to `running`, starting a new attempt of each. */
  claim(ids: readonly string[], now: number): readonly ClaimedJob[];
  /** Records a running job's progress; false when the job is no longer at `version`. */
  saveProgress(id: string, version: number, progressJson: string, at: number): boolean;
  /** Records a running job's checkpoint; false when the job is no longer at `version`. */
  saveCheckpoint(id: string, version: number, checkpointJson: string, at: number): boolean;
  /** The earliest `runAt` of any scheduled or retrying job. */
  nextDueAt(): number | undefined;
  getJob(id: string): Job | undefined;
  listJobs(filter: JobFilter): Job[];
  countJobs(type?: string): Record<JobStatus, number>;
  history(id: string): JobHistoryEntry[];
  /** Jobs left `running`, oldest first: after a crash, these are stalled. */
  runningJobs(): Job[];
}

/** What happened to a supervised actor; `stopped`, `resumed` and `removed` are done by hand. */
export type ActorEventKind =
  | 'started'
  | 'exited'
  | 'restarting'
  | 'escalated'
  | 'dead'
  | 'revived'
  | 'stopped'
  | 'resumed'
  | 'removed';

/** One row of an actor's lifecycle history. */
export interface ActorEventRecord {
  readonly actorId: string;
  /** The supervisor the actor runs under; null for the root. */
  readonly supervisorId: string | null;
  readonly kind: ActorEventKind;
  /** For `exited`: how the run ended. */
  readonly reason?: 'normal' | 'abnormal' | 'shutdown';
  readonly at: number;
  /** The actor's restart count at that moment. */
  readonly restarts: number;
  /** The error of an abnormal exit or of an escalation. */
  readonly error?: SerializedError;
}

/** An actor whose restart budget was spent and that was dead-lettered instead of escalating. */
export interface DeadActorRecord {
  readonly actorId: string;
  readonly supervisorId: string | null;
  readonly kind: 'worker' | 'supervisor';
  readonly at: number;
  readonly restarts: number;
  /** Its last errors, newest last; at most 10 are kept. */
  readonly errors: readonly SerializedError[];
}

/** Events that reached an actor after it had stopped. */
export interface UndeliverableRecord {
  readonly actorId: string;
  /** Every undeliverable event counted so far. */
  readonly count: number;
  /** The last 10, newest last; an event that is not JSON-able is kept as a placeholder string. */
  readonly last: readonly { readonly at: number; readonly event: unknown }[];
  readonly updatedAt: number;
}

/**
 * Durable storage for the supervision tree. Like `Store`, every method is synchronous and runs
 * inside the caller's transaction when one is open.
 */
export interface ActorStore {
  /** Appends one actor lifecycle record. */
  recordActorEvent(record: ActorEventRecord): void;
  /** Times of 'restarting' records of the children of `supervisorId` at or after `since`, oldest first. */
  restartTimes(supervisorId: string, since: number): number[];
  /** The lifecycle records of one actor, oldest first (at most `limit`, newest kept; default 100). */
  actorHistory(actorId: string, limit?: number): ActorEventRecord[];
  /** Records an actor as dead-lettered (replacing any earlier record) and appends a 'dead' event, in one transaction. */
  markActorDead(record: DeadActorRecord): void;
  /** Removes a dead-letter record and appends a 'revived' event; false when there was none. */
  reviveActor(actorId: string, at: number): boolean;
  /** Every dead-lettered actor, in the order they died. */
  deadActors(): DeadActorRecord[];
  /** Counts an event that reached a stopped actor, keeping the last 10. `event` must be JSON-able (store a placeholder string for what is not). */
  recordUndeliverable(actorId: string, event: unknown, at: number): UndeliverableRecord;
  /** The undeliverable events of one actor, or of every actor by id. */
  undeliverable(actorId?: string): UndeliverableRecord[];
}

/** The Warden that owns a database file. */
export interface OwnerRecord {
  /** Random, one per started Warden. */
  readonly token: string;
  readonly pid: number;
  readonly host: string;
  /** When the owner's process started (wall clock): tells it apart from a former one with its pid. */
  readonly processStartedAt: number;
  readonly startedAt: number;
  /** When the owner last said it is alive. */
  readonly heartbeatAt: number;
}

/** A request to own a database file, made as it is opened. */
export interface OwnershipClaim {
  readonly owner: OwnerRecord;
  /** Whether `current`, the file's other owner, may be replaced. */
  mayReplace(current: OwnerRecord): boolean;
  /** The error `open()` throws when `current` stays the owner. */
  refused(current: OwnerRecord): Error;
  /** The error a write throws once another owner (or none) holds the file; called once. */
  lost(current: OwnerRecord | undefined): Error;
}

/** Who owns the database file; only file stores have an owner. */
export interface OwnershipStore {
  /**
   * Opens the file and, in the transaction that migrates it, makes `claim.owner` its owner; or
   * throws `claim.refused(current)` having written nothing. From then on every transaction
   * checks, before it commits, that the file is still this owner's.
   */
  open(claim?: OwnershipClaim): void;
  /** Records a heartbeat; false when `token` no longer owns the file. */
  renewOwnership(token: string, at: number): boolean;
  /** Gives the file up, if `token` still owns it, and stops checking. */
  releaseOwnership(token: string): void;
}

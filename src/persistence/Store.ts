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
  /** Times the job was found `claimed` after a crash (claimed by a process that died before starting it). */
  readonly stalls: number;
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
  /** The W3C traceparent of the job's creation context; null for a job stored before Warden kept one. */
  readonly traceparent: string | null;
  /** The W3C tracestate that came with `traceparent`, or null. */
  readonly tracestate: string | null;
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
  /** The W3C traceparent of the job's creation context; none stores null. */
  readonly traceparent?: string | null;
  readonly tracestate?: string | null;
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
  readonly stalls?: number;
  readonly error?: SerializedError | undefined;
  readonly resultJson?: string;
  readonly viaFallback?: boolean;
}

/** A job just moved from `queued` to `claimed` by this process, with what its attempt needs. */
export interface ClaimedJob {
  readonly id: string;
  readonly type: string;
  readonly priority: number;
  readonly payloadJson: string;
  /** Attempts started before this claim. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly stalls: number;
  /** The version of the `claimed` row: the `START` write names it. */
  readonly version: number;
  readonly checkpointJson: string | null;
  /** The job's creation context (W3C traceparent and tracestate), if it has one. */
  readonly traceparent?: string | null;
  readonly tracestate?: string | null;
}

/** How many queued jobs of one type a claim may take. */
export interface ClaimRoom {
  readonly type: string;
  readonly limit: number;
}

/** One step of a group commit. Steps apply in order; a refused step undoes only its own writes. */
export type BatchStep =
  | { readonly kind: 'insert'; readonly jobs: readonly NewJob[] }
  | { readonly kind: 'changes'; readonly changes: readonly StatusChange[] }
  | { readonly kind: 'command'; readonly id: string; readonly event: 'CANCEL' | 'REPLAY' }
  | {
      readonly kind: 'progress' | 'checkpoint';
      readonly id: string;
      readonly version: number;
      readonly json: string;
    }
  | { readonly kind: 'adopt' | 'unadopt'; readonly id: string; readonly version: number }
  | { readonly kind: 'promote'; readonly limit: number }
  | {
      readonly kind: 'claim';
      /** At most this many jobs in all, best first (priority, then age). */
      readonly limit: number;
      readonly rooms: readonly ClaimRoom[];
    };

/** What each kind of step answers when it is applied. */
export interface StepValues {
  /** Per job: its new id, or the job that already holds its idempotency key. */
  readonly insert: readonly (
    { readonly created: true; readonly id: string } | { readonly created: false; readonly job: Job }
  )[];
  /** Per change: the new version, or why the change was refused. */
  readonly changes: readonly (number | WardenError)[];
  /** The job after the command. */
  readonly command: {
    readonly before: Job;
    readonly after: Job;
  };
  /** False when the job was no longer `running` at that version. */
  readonly progress: boolean;
  readonly checkpoint: boolean;
  /** False when another process began the fallback, or the row moved on. */
  readonly adopt: boolean;
  readonly unadopt: boolean;
  readonly promote: readonly PromotedJob[];
  readonly claim: readonly ClaimedJob[];
}

/** One step's result: its value, or why the database refused it (the step's writes undone). */
export type StepResult<K extends BatchStep['kind'] = BatchStep['kind']> =
  | { readonly ok: true; readonly value: StepValues[K] }
  | { readonly ok: false; readonly error: Error };

/** A group commit: steps applied in one transaction, in order. */
export interface WriteBatch {
  /** The time every write of the batch records. */
  readonly at: number;
  /** The token that marks claims and adopted fallbacks as this process's. */
  readonly owner: string;
  readonly steps: readonly BatchStep[];
  /** Answer the earliest due time after the batch (for the due timer). */
  readonly readNextDue?: boolean;
  /**
   * Batches sent while an earlier one was in flight assume it commits. The sender numbers them;
   * once a batch of generation `g` rolls back, the store refuses (applying nothing) every batch of
   * generation `g` or lower still to come, with an error named `SkippedBatch`, and the sender
   * sends their writes again, in order, under a new generation.
   */
  readonly generation?: number;
}

/** What a committed batch answers. */
export interface BatchResult {
  /** One result per step, in order. */
  readonly results: readonly StepResult[];
  /** With `readNextDue`: the earliest `runAt` of any scheduled or retrying job. */
  readonly nextDue?: number | undefined;
}

/** A scheduled or retrying job that became due and is now queued. */
export interface PromotedJob {
  readonly id: string;
  readonly type: string;
  readonly priority: number;
  readonly attempt: number;
  readonly from: 'scheduled' | 'retrying';
}

/** How many jobs of one type are in one status at one priority. */
export interface JobCountRow {
  readonly type: string;
  readonly status: JobStatus;
  readonly priority: number;
  readonly n: number;
}

/** Filters for `listJobs`. */
export interface JobFilter {
  readonly status?: JobStatus | readonly JobStatus[];
  readonly type?: string;
  /** At most this many jobs (default 100). */
  readonly limit?: number;
  /**
   * Skip this many first (default 0). Each skipped row is still read, so a deep offset is slow
   * (at 1,000,000 jobs: 18 ms at 500,000, 80 ms with a status filter, against under 1 ms for a
   * page by cursor): page with `after` instead.
   */
  readonly offset?: number;
  /**
   * Start after the page this cursor ends: a `nextCursor` from `listJobsPage` with the same
   * `status` and `type` (any `limit`). Not with `offset`.
   */
  readonly after?: string | undefined;
}

/** One page of `listJobsPage`: jobs in id order (the order they were enqueued). */
export interface JobPage<Payload = unknown, Result = unknown> {
  readonly jobs: Job<Payload, Result>[];
  /** Pass as `after` for the next page; null when this page is the last one. */
  readonly nextCursor: string | null;
}

/**
 * Durable job storage: asynchronous and batch-oriented, so that a store on another thread or
 * another machine (PostgreSQL) can implement it. Writes go in group commits (`commit`), each
 * applied in one transaction; every status change is checked against the job machine's
 * transition table and against the row's version, and logged in the job's history.
 */
export interface Store {
  /** Applies a batch in one transaction; resolves once it is committed, rejects if none of it was. */
  commit(batch: WriteBatch): Promise<BatchResult>;
  getJob(id: string): Promise<Job | undefined>;
  listJobs(filter: JobFilter): Promise<Job[]>;
  /** The jobs of `listJobs`, with the cursor of the page after them. */
  listJobsPage(filter: JobFilter): Promise<JobPage>;
  countJobs(type?: string): Promise<Record<JobStatus, number>>;
  /** How many jobs of each type are in each status at each priority (empty groups left out), without a scan. */
  jobCounts(): Promise<JobCountRow[]>;
  history(id: string): Promise<JobHistoryEntry[]>;
  /** Jobs left `claimed` or `running`, oldest first: after a crash, these are to be recovered. */
  unfinishedJobs(): Promise<Job[]>;
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
  renewOwnership(token: string, at: number): Promise<boolean>;
  /** Gives the file up, if `token` still owns it, and stops checking. */
  releaseOwnership(token: string): void;
}

// Paused types and commands (the operators' store) live in operatorStore.ts.
export type {
  CommandRecord,
  CommandStatus,
  NewCommand,
  OperatorStore,
  PausedTypeRecord,
} from './operatorStore.js';

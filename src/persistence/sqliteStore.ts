import type Database from 'better-sqlite3';
import { DatabaseUnavailableError, serializeError } from '../errors.js';
import type { JobStatus } from '../machines/jobMachine.js';
import {
  ActorReads,
  actorEventStatement,
  defaultActorHistoryLimit,
  markDeadStatements,
  reviveStatements,
  undeliverableUpdate,
} from './sqlite/actorRecords.js';
import { OwnershipLost, type SqlStatement } from './sqlite/batchWriter.js';
import {
  CommandReads,
  commandErrorStatement,
  finishCommandStatement,
  takeCommandStatement,
} from './sqlite/commands.js';
import { isFile } from './sqlite/connection.js';
import {
  countErrorEvents,
  insertErrorEventStatements,
  listErrorEvents,
  trimByAgeStatement,
  trimOldestStatement,
  type ErrorEvent,
  type ErrorEventFilter,
  type NewErrorEvent,
} from './sqlite/errorEvents.js';
import { jobCountRows } from './sqlite/jobCountRows.js';
import { openDatabase } from './sqlite/openDatabase.js';
import { PausedTypeReads, pauseTypeStatement, resumeTypeStatement } from './sqlite/pausedTypes.js';
import { JobReads } from './sqlite/readJobs.js';
import {
  readSnapshot,
  upsertSnapshotStatements,
  type RuntimeSnapshot,
  type SnapshotRow,
} from './sqlite/snapshots.js';
import { InlineWriter, ThreadWriter, type Writer } from './sqlite/writer.js';
import type {
  ActorEventRecord,
  ActorStore,
  BatchResult,
  CommandRecord,
  DeadActorRecord,
  Job,
  JobCountRow,
  JobFilter,
  JobHistoryEntry,
  JobPage,
  OperatorStore,
  OwnershipClaim,
  OwnershipStore,
  PausedTypeRecord,
  Store,
  UndeliverableRecord,
  WriteBatch,
} from './Store.js';

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /** A file path, or `:memory:`. */
  readonly filename: string;
  /** `full` survives power loss; `normal` survives a process crash and commits faster. */
  readonly synchronous: 'full' | 'normal';
  /** How long an open or a write waits for another connection's lock. @default 5000 */
  readonly busyTimeoutMs?: number;
}

interface Open {
  /** The main thread's connection: reads (and, for `:memory:`, the inline writer's writes). */
  readonly db: Database.Database;
  readonly writer: Writer;
  readonly jobs: JobReads;
  readonly actors: ActorReads;
  readonly paused: PausedTypeReads;
  readonly commands: CommandReads;
}

/**
 * The embedded SQLite store. A file's write connection lives on a worker thread that applies
 * group commits as they come, while reads use a connection of their own on the main thread (WAL
 * readers never wait for the writer). `:memory:` cannot be shared between threads: its writes
 * run on the main thread.
 */
export class SqliteStore implements Store, ActorStore, OwnershipStore, OperatorStore {
  private state: Open | undefined;
  /** The ownership this store checks before each commit, while it holds the file. */
  private ownership: OwnershipClaim | undefined;
  /** Set once the file was found to have another owner: every later write fails with it. */
  private fenced: Error | undefined;

  constructor(private readonly options: SqliteStoreOptions) {}

  /** Opens (creating or migrating) the database; refuses foreign, damaged or newer files. */
  open(claim?: OwnershipClaim): void {
    if (this.state !== undefined) return;
    const { filename, synchronous } = this.options;
    const db = openDatabase(filename, synchronous, claim, this.options.busyTimeoutMs);
    const token = claim?.owner.token;
    const writer = isFile(filename)
      ? new ThreadWriter({
          filename,
          synchronous,
          ...(token === undefined ? {} : { ownerToken: token }),
          ...(this.options.busyTimeoutMs === undefined
            ? {}
            : { busyTimeoutMs: this.options.busyTimeoutMs }),
        })
      : new InlineWriter(db, token);
    this.state = {
      db,
      writer,
      jobs: new JobReads(db),
      actors: new ActorReads(db),
      paused: new PausedTypeReads(db),
      commands: new CommandReads(db),
    };
    this.ownership = claim;
    this.fenced = undefined;
  }

  /** Closes both connections; pending writes are applied first. */
  async close(): Promise<void> {
    const state = this.state;
    if (state === undefined) return;
    this.state = undefined;
    this.ownership = undefined;
    this.fenced = undefined;
    await state.writer.close();
    state.db.close();
  }

  private get open_(): Open {
    if (this.state === undefined) throw new DatabaseUnavailableError('the store is not open');
    return this.state;
  }

  /** The read connection, for the stores of other concepts (breakers) that keep their SQL apart. */
  reader(): Database.Database {
    return this.open_.db;
  }

  // --- writes -------------------------------------------------------------------------------

  commit(batch: WriteBatch): Promise<BatchResult> {
    if (this.fenced !== undefined) return Promise.reject(this.fenced);
    let writer: Writer;
    try {
      writer = this.open_.writer;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return writer.commit(batch).catch((error: unknown) => {
      const thrown = this.lost(error);
      this.recordRefusal(batch, error);
      throw thrown;
    });
  }

  /**
   * Records a refused group commit as an error event (source `store`), through the writer and
   * without waiting; not a batch skipped behind another, nor one refused for a lost file.
   */
  private recordRefusal(batch: WriteBatch, error: unknown): void {
    if (this.fenced !== undefined || !(error instanceof Error) || error.name === 'SkippedBatch')
      return;
    const event: NewErrorEvent = {
      at: batch.at,
      source: 'store',
      subject: this.options.filename,
      kind: 'commit',
      error: serializeError(error),
    };
    this.recordErrors([event]).catch(() => undefined); // the commit's own failure is reported
  }

  /** Applies statements in one transaction, blocking until they are (rare writes: actors, breakers). */
  writeSync(statements: readonly SqlStatement[]): unknown[] {
    if (this.fenced !== undefined) throw this.fenced;
    try {
      return this.open_.writer.execSync(statements);
    } catch (error) {
      throw this.lost(error);
    }
  }

  /** Turns the writer's news of another owner into the claim's error, and fences the store. */
  private lost(error: unknown): Error {
    if (!(error instanceof OwnershipLost))
      return error instanceof Error ? error : new Error(String(error));
    this.fenced ??= this.ownership?.lost(error.current) ?? error;
    return this.fenced;
  }

  // --- job reads ----------------------------------------------------------------------------

  getJob(id: string): Promise<Job | undefined> {
    return this.read((state) => state.jobs.getJob(id));
  }

  listJobs(filter: JobFilter): Promise<Job[]> {
    return this.read((state) => state.jobs.listJobs(filter));
  }

  listJobsPage(filter: JobFilter): Promise<JobPage> {
    return this.read((state) => state.jobs.listJobsPage(filter));
  }

  countJobs(type?: string): Promise<Record<JobStatus, number>> {
    return this.read((state) => state.jobs.countJobs(type));
  }

  jobCounts(): Promise<JobCountRow[]> {
    return this.read((state) => jobCountRows(state.db));
  }

  history(id: string): Promise<JobHistoryEntry[]> {
    return this.read((state) => state.jobs.history(id));
  }

  unfinishedJobs(): Promise<Job[]> {
    return this.read((state) => state.jobs.unfinishedJobs());
  }

  private read<T>(fn: (state: Open) => T): Promise<T> {
    try {
      return Promise.resolve(fn(this.open_));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  // --- the supervision tree's records (rare; written at once) --------------------------------

  recordActorEvent(record: ActorEventRecord): void {
    this.writeSync([actorEventStatement(record)]);
  }

  restartTimes(supervisorId: string, since: number): number[] {
    return this.open_.actors.restartTimes(supervisorId, since);
  }

  actorHistory(actorId: string, limit = defaultActorHistoryLimit): ActorEventRecord[] {
    return this.open_.actors.actorHistory(actorId, limit);
  }

  markActorDead(record: DeadActorRecord): void {
    this.writeSync(markDeadStatements(record));
  }

  reviveActor(actorId: string, at: number): boolean {
    const [, removed] = this.writeSync(reviveStatements(actorId, at));
    return removed === 1;
  }

  deadActors(): DeadActorRecord[] {
    return this.open_.actors.deadActors();
  }

  recordUndeliverable(actorId: string, event: unknown, at: number): UndeliverableRecord {
    const [previous] = this.open_.actors.undeliverable(actorId);
    const { record, statement } = undeliverableUpdate(previous, actorId, event, at);
    this.writeSync([statement]);
    return record;
  }

  undeliverable(actorId?: string): UndeliverableRecord[] {
    return this.open_.actors.undeliverable(actorId);
  }

  // --- paused types and commands (operators' tools) -----------------------------------------

  pauseType(type: string, at: number, by: string): boolean {
    return this.writeSync([pauseTypeStatement(type, at, by)])[0] === 1;
  }

  resumeType(type: string): boolean {
    return this.writeSync([resumeTypeStatement(type)])[0] === 1;
  }

  pausedTypes(): PausedTypeRecord[] {
    return this.open_.paused.pausedTypes();
  }

  pendingCommands(limit: number): CommandRecord[] {
    return this.open_.commands.pendingCommands(limit);
  }

  async takeCommand(id: string, token: string): Promise<boolean> {
    const [changed] = await this.exec([takeCommandStatement(id, token)]);
    return changed === 1;
  }

  async finishCommand(
    id: string,
    token: string,
    status: 'done' | 'failed',
    resultJson: string,
    at: number,
  ): Promise<boolean> {
    const finish = finishCommandStatement(id, token, status, resultJson, at);
    const [changed] = await this.exec(
      status === 'failed' ? [finish, commandErrorStatement(id, token, at)] : [finish],
    );
    return changed === 1;
  }

  /** Applies statements in one owner-checked transaction, without blocking this thread. */
  private async exec(statements: readonly SqlStatement[]): Promise<unknown[]> {
    if (this.fenced !== undefined) throw this.fenced;
    try {
      return await this.open_.writer.exec(statements);
    } catch (error) {
      throw this.lost(error);
    }
  }

  // --- error events and published snapshots (operators' tools) ------------------------------

  /** Appends error events in one transaction on the writer, without blocking this thread. */
  async recordErrors(events: readonly NewErrorEvent[]): Promise<void> {
    if (events.length > 0) await this.exec(insertErrorEventStatements(events));
  }

  /** Error events matching `filter`, newest first (see `listErrorEvents`). */
  errorEvents(filter?: ErrorEventFilter): Promise<ErrorEvent[]> {
    return this.read((state) => listErrorEvents(state.db, filter));
  }

  /**
   * Deletes the error events older than `cutoff`, then the oldest beyond `maxRows`, in deletes of
   * at most `chunk` rows, each its own short transaction on the writer; resolves with the count.
   */
  async trimErrors(cutoff: number, maxRows: number, chunk: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const [changes] = await this.exec([trimByAgeStatement(cutoff, chunk)]);
      deleted += changes as number;
      if ((changes as number) < chunk) break;
    }
    let excess = countErrorEvents(this.open_.db) - maxRows;
    while (excess > 0) {
      const [changes] = await this.exec([trimOldestStatement(Math.min(chunk, excess))]);
      if (changes === 0) break;
      deleted += changes as number;
      excess -= changes as number;
    }
    return deleted;
  }

  /** Writes (or replaces) snapshots by name in one transaction on the writer, without blocking. */
  async publishSnapshots(rows: readonly SnapshotRow[], at: number, owner: string): Promise<void> {
    if (rows.length > 0) await this.exec(upsertSnapshotStatements(rows, at, owner));
  }

  /** The snapshot published under `name`, or undefined. */
  snapshot(name: string): RuntimeSnapshot | undefined {
    return readSnapshot(this.open_.db, name);
  }

  // --- ownership ----------------------------------------------------------------------------

  async renewOwnership(token: string, at: number): Promise<boolean> {
    if (this.fenced !== undefined) return false;
    const [changed] = await this.open_.writer.exec(
      [
        {
          sql: 'UPDATE owner SET heartbeat_at = ? WHERE id = 1 AND token = ?',
          params: [at, token],
        },
      ],
      false,
    );
    return changed === 1;
  }

  releaseOwnership(token: string): void {
    if (this.ownership?.owner.token === token) this.ownership = undefined;
    this.open_.writer.execSync(
      [{ sql: 'DELETE FROM owner WHERE id = 1 AND token = ?', params: [token] }],
      false,
    );
  }
}

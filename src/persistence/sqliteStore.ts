import type Database from 'better-sqlite3';
import { DatabaseUnavailableError } from '../errors.js';
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
import { isFile } from './sqlite/connection.js';
import { openDatabase } from './sqlite/openDatabase.js';
import { JobReads } from './sqlite/readJobs.js';
import { InlineWriter, ThreadWriter, type Writer } from './sqlite/writer.js';
import type {
  ActorEventRecord,
  ActorStore,
  BatchResult,
  DeadActorRecord,
  Job,
  JobFilter,
  JobHistoryEntry,
  JobPage,
  OwnershipClaim,
  OwnershipStore,
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
}

/**
 * The embedded SQLite store. A file's write connection lives on a worker thread that applies
 * group commits as they come, while reads use a connection of their own on the main thread (WAL
 * readers never wait for the writer). `:memory:` cannot be shared between threads: its writes
 * run on the main thread.
 */
export class SqliteStore implements Store, ActorStore, OwnershipStore {
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
    this.state = { db, writer, jobs: new JobReads(db), actors: new ActorReads(db) };
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
      throw this.lost(error);
    });
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

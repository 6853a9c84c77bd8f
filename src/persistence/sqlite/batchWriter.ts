import type Database from 'better-sqlite3';
import type {
  BatchResult,
  BatchStep,
  OwnerRecord,
  StepResult,
  StepValues,
  WriteBatch,
} from '../Store.js';
import { StatusChanges } from './changeStatuses.js';
import { JobClaims } from './claimJobs.js';
import { JobInserts } from './insertJobs.js';
import { JobCommands } from './jobCommands.js';
import { DuePromotions } from './promoteDue.js';
import { RunUpdates } from './runUpdates.js';
import { toOwner, type OwnerRow } from './owner.js';

/** The steps a caller is waiting on: each is isolated from the rest of its batch. */
const callerSteps: ReadonlySet<BatchStep['kind']> = new Set([
  'insert',
  'command',
  'checkpoint',
  'progress',
]);

/** One statement of a script: run for its changes, or read for its rows. */
export interface SqlStatement {
  readonly sql: string;
  readonly params: readonly (string | number | bigint | null)[];
  readonly read?: boolean;
}

/** Thrown before a commit once the file has another owner (or none): nothing was stored. */
export class OwnershipLost extends Error {
  constructor(readonly current: OwnerRecord | undefined) {
    super('the database file has another owner');
    this.name = 'OwnershipLost';
  }
}

/** Thrown for a batch sent after one of its generation rolled back: nothing of it was applied. */
export class SkippedBatch extends Error {
  constructor(generation: number) {
    super(`an earlier batch of generation ${generation} rolled back; this one was not applied`);
    this.name = 'SkippedBatch';
  }
}

/** Thrown when the database undid the whole transaction, not just a step's savepoint. */
export class WholeBatchLost extends Error {
  constructor(readonly lost: unknown) {
    super('the database rolled the whole transaction back', { cause: lost });
    this.name = 'WholeBatchLost';
  }
}

/**
 * Applies group commits to the write connection: each batch in one transaction, each step in a
 * savepoint of its own, the ownership checked before the commit. Runs on the writer thread (or
 * inline for `:memory:`); knows nothing of the runtime above it.
 */
export class BatchWriter {
  private readonly changes: StatusChanges;
  private readonly inserts: JobInserts;
  private readonly claims: JobClaims;
  private readonly promotions: DuePromotions;
  private readonly updates: RunUpdates;
  private readonly commands: JobCommands;
  private readonly owner: Database.Statement<[], OwnerRow>;
  private readonly scripts = new Map<string, Database.Statement>();
  private readonly inBatch: Database.Transaction<(batch: WriteBatch) => BatchResult>;
  private readonly inScript: Database.Transaction<
    (statements: readonly SqlStatement[], fenced: boolean) => unknown[]
  >;

  constructor(
    private readonly db: Database.Database,
    /** The token of the owner whose file this is; undefined for a file without one (`:memory:`). */
    private readonly ownerToken: string | undefined,
  ) {
    this.changes = new StatusChanges(db);
    this.inserts = new JobInserts(db);
    this.claims = new JobClaims(db);
    this.promotions = new DuePromotions(db);
    this.updates = new RunUpdates(db);
    this.commands = new JobCommands(db, this.changes);
    this.owner = db.prepare('SELECT * FROM owner WHERE id = 1');
    this.inBatch = db.transaction((batch: WriteBatch) => {
      const results = batch.steps.map((step) => this.isolated(step, batch));
      const nextDue = batch.readNextDue === true ? this.promotions.next() : undefined;
      this.checkOwner();
      return batch.readNextDue === true ? { results, nextDue } : { results };
    });
    this.inScript = db.transaction((statements: readonly SqlStatement[], fenced: boolean) => {
      const results = statements.map((s) => {
        const statement = this.script(s.sql);
        return s.read === true ? statement.all(...s.params) : statement.run(...s.params).changes;
      });
      if (fenced) this.checkOwner();
      return results;
    });
  }

  /** The generation of the last batch that rolled back: later batches of it are skipped. */
  private broken = -1;

  /** Applies a batch in one transaction; throws (having stored nothing) if the commit fails. */
  commit(batch: WriteBatch): BatchResult {
    const { generation } = batch;
    if (generation === undefined) return this.inBatch.immediate(batch); // a sender without them
    if (generation <= this.broken) throw new SkippedBatch(generation);
    try {
      return this.inBatch.immediate(batch);
    } catch (error) {
      this.broken = Math.max(this.broken, generation);
      throw error;
    }
  }

  /**
   * Runs statements in one transaction; per statement, its rows (`read`) or its changes.
   * `fenced`: refused, having stored nothing, once the file has another owner (the owner's own
   * heartbeat and release are not).
   */
  exec(statements: readonly SqlStatement[], fenced = true): unknown[] {
    return this.inScript.immediate(statements, fenced);
  }

  /**
   * Applies a caller's step (an insert, a command, a checkpoint, progress) in a savepoint of its
   * own, so that if the database refuses it only that caller is told. The runner's own steps
   * (status changes, claims, promotions, adoption marks) answer refusals they expect (a lost
   * race) as values; any other error rolls the whole batch back, so that it is retried whole.
   */
  private isolated(step: BatchStep, batch: WriteBatch): StepResult {
    if (!callerSteps.has(step.kind)) return { ok: true, value: this.apply(step, batch) };
    try {
      // Nested in the batch's transaction, better-sqlite3 runs this as a savepoint.
      const value = this.db.transaction(() => this.apply(step, batch))();
      return { ok: true, value };
    } catch (error) {
      // Some errors (SQLITE_IOERR, SQLITE_NOMEM, RAISE(ROLLBACK)) end the whole transaction.
      if (!this.db.inTransaction) throw new WholeBatchLost(error);
      return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  private apply(step: BatchStep, batch: WriteBatch): StepValues[BatchStep['kind']] {
    const { at, owner } = batch;
    switch (step.kind) {
      case 'insert':
        return this.inserts.apply(step.jobs, at);
      case 'changes':
        return this.changes.apply(step.changes);
      case 'command':
        return this.commands.apply(step.id, step.event, at);
      case 'progress':
        return this.updates.saveProgress(step.id, step.version, step.json, at);
      case 'checkpoint':
        return this.updates.saveCheckpoint(step.id, step.version, step.json, at);
      case 'adopt':
        return this.updates.adoptForFallback(step.id, step.version, owner);
      case 'unadopt':
        return this.updates.releaseFallback(step.id, step.version, owner);
      case 'promote':
        return this.promotions.apply(at, step.limit);
      case 'claim':
        return this.claims.apply(step.limit, step.rooms, at);
    }
  }

  private checkOwner(): void {
    if (this.ownerToken === undefined) return;
    const row = this.owner.get();
    if (row?.token === this.ownerToken) return;
    throw new OwnershipLost(row === undefined ? undefined : toOwner(row));
  }

  private script(sql: string): Database.Statement {
    let statement = this.scripts.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.scripts.set(sql, statement);
    }
    return statement;
  }
}

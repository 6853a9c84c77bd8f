import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { realClock } from '../clock.js';
import { DatabaseUnavailableError } from '../errors.js';
import { CommandReads, insertCommand, withdrawCommand } from '../persistence/sqlite/commands.js';
import { openDatabase } from '../persistence/sqlite/openDatabase.js';
import { ownerQuery, toOwner, type OwnerRow } from '../persistence/sqlite/owner.js';
import type { CommandRecord, NewCommand } from '../persistence/Store.js';
import { mayReplaceOwner, ownerDescription, thisProcess } from '../supervisor/ownership.js';

/** Who owns the file now: a live owner carries commands out; with none, the issuer does. */
export interface OwnerState {
  readonly live: boolean;
  /** For messages: the owner, or that there is none. */
  readonly description: string;
}

/**
 * An issuer's connection to a Warden file it need not own: it inserts commands, reads their
 * outcomes and withdraws those nobody took. It writes nothing else.
 */
export class CommandFile {
  private readonly reads: CommandReads;

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {
    this.reads = new CommandReads(db);
  }

  /** Opens an existing Warden file; a missing, foreign, damaged or newer one is refused. */
  static open(path: string): CommandFile {
    if (!existsSync(path)) {
      throw new DatabaseUnavailableError(`\`${path}\` does not exist: no Warden database there`);
    }
    return new CommandFile(path, openDatabase(path, 'full', undefined));
  }

  /** The file's owner, by the rule a starting Warden applies: one that could not be replaced is live. */
  owner(): OwnerState {
    const row = this.db.prepare<[], OwnerRow>(ownerQuery).get();
    if (row === undefined) return { live: false, description: `no Warden owns \`${this.path}\`` };
    const owner = toOwner(row);
    const claimant = thisProcess(realClock.now());
    const who = ownerDescription(owner, claimant);
    return mayReplaceOwner(owner, claimant)
      ? { live: false, description: `\`${this.path}\` was last owned by ${who}, which is gone` }
      : { live: true, description: `the owner of \`${this.path}\`, ${who},` };
  }

  /** Inserts pending commands in one transaction; returns their ids, in order. */
  insert(commands: readonly NewCommand[]): string[] {
    return this.db.transaction(() => commands.map((c) => insertCommand(this.db, c)))();
  }

  command(id: string): CommandRecord | undefined {
    return this.reads.command(id);
  }

  /** Withdraws a command nobody took; false when an owner took it first, or it is finished. */
  withdraw(id: string, resultJson: string, by: string): boolean {
    return withdrawCommand(this.db, id, resultJson, realClock.now(), by);
  }

  /** Ids of dead jobs of `type` after `after`, in id order, at most `limit`. */
  deadJobIds(type: string, after: number, limit: number): number[] {
    return this.db
      .prepare<[string, number, number], { id: number }>(
        `SELECT id FROM jobs INDEXED BY jobs_by_type
         WHERE status NOT IN ('claimed', 'running') AND status = 'dead' AND type = ? AND id > ?
         ORDER BY id LIMIT ?`,
      )
      .all(type, after, limit)
      .map((row) => row.id);
  }

  /** Dead jobs by type (from the kept counts: no scan), optionally of one type. */
  deadCounts(type?: string): Map<string, number> {
    const rows = this.db
      .prepare<[string | null, string | null], { type: string; n: number }>(
        `SELECT type, sum(n) AS n FROM job_counts WHERE status = 'dead' AND (? IS NULL OR type = ?)
         GROUP BY type HAVING sum(n) > 0 ORDER BY type`,
      )
      .all(type ?? null, type ?? null);
    return new Map(rows.map((row) => [row.type, row.n]));
  }

  /** A read of the file's jobs (the ids a bulk action is for), on this connection. */
  read<T>(reader: (db: Database.Database) => T): T {
    return reader(this.db);
  }

  close(): void {
    this.db.close();
  }
}

import type Database from 'better-sqlite3';
import type { CommandRecord, CommandStatus, NewCommand } from '../Store.js';
import type { SqlStatement } from './batchWriter.js';

/** A row of the `commands` table. */
export interface CommandRow {
  id: number;
  kind: string;
  target: string;
  args: string | null;
  issued_at: number;
  issued_by: string;
  status: CommandStatus;
  result: string | null;
  done_at: number | null;
  done_by: string | null;
}

/** A command row as the API reads it (`args` and `result` parsed). */
export function toCommand(row: CommandRow): CommandRecord {
  return {
    id: String(row.id),
    kind: row.kind,
    target: row.target,
    args: row.args === null ? null : (JSON.parse(row.args) as unknown),
    issuedAt: row.issued_at,
    issuedBy: row.issued_by,
    status: row.status,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    doneAt: row.done_at,
    doneBy: row.done_by,
  };
}

/** Inserts a pending command (the issuer's write; the issuer need not own the file). */
export function insertCommand(db: Database.Database, command: NewCommand): string {
  const info = db
    .prepare(
      `INSERT INTO commands (kind, target, args, issued_at, issued_by) VALUES (?, ?, ?, ?, ?)`,
    )
    .run(
      command.kind,
      command.target,
      command.args === undefined || command.args === null ? null : JSON.stringify(command.args),
      command.issuedAt,
      command.issuedBy,
    );
  return String(info.lastInsertRowid);
}

/**
 * Takes a pending command for the owner `token`: marks it as being carried out (`done_by` set,
 * still `pending`). A row a former owner took and never finished (it died) is taken again; a row
 * that is no longer pending (withdrawn by its issuer) is not (0 changes).
 */
export function takeCommandStatement(id: string, token: string): SqlStatement {
  return {
    sql: `UPDATE commands SET done_by = ?
          WHERE id = ? AND status = 'pending' AND (done_by IS NULL OR done_by <> ?)`,
    params: [token, Number(id), token],
  };
}

/** Marks a command the owner `token` took as done or failed, with its JSON result. */
export function finishCommandStatement(
  id: string,
  token: string,
  status: 'done' | 'failed',
  resultJson: string,
  at: number,
): SqlStatement {
  return {
    sql: `UPDATE commands SET status = ?, result = ?, done_at = ?
          WHERE id = ? AND status = 'pending' AND done_by = ?`,
    params: [status, resultJson, at, Number(id), token],
  };
}

/** Records a command the owner `token` just marked failed (at `at`) as an error event. */
export function commandErrorStatement(id: string, token: string, at: number): SqlStatement {
  return {
    sql: `INSERT INTO error_events (at, source, subject, kind, error)
          SELECT done_at, 'command', CAST(id AS TEXT), kind, result FROM commands
          WHERE id = ? AND status = 'failed' AND done_by = ? AND done_at = ?`,
    params: [Number(id), token, at],
  };
}

/**
 * Withdraws a command nobody has taken (the issuer gave up waiting): failed, with `resultJson`.
 * 0 changes when an owner took it first (it will be carried out) or it is finished.
 */
export function withdrawCommand(
  db: Database.Database,
  id: string,
  resultJson: string,
  at: number,
  by: string,
): boolean {
  const info = db
    .prepare(
      `UPDATE commands SET status = 'failed', result = ?, done_at = ?, done_by = ?
       WHERE id = ? AND status = 'pending' AND done_by IS NULL`,
    )
    .run(resultJson, at, by, Number(id));
  return info.changes === 1;
}

/** Reads commands: the pending ones through their partial index, or one by id. */
export class CommandReads {
  private readonly pending: Database.Statement<[number], CommandRow>;
  private readonly byId: Database.Statement<[number], CommandRow>;

  constructor(db: Database.Database) {
    this.pending = db.prepare(
      `SELECT * FROM commands INDEXED BY commands_pending
       WHERE status = 'pending' ORDER BY id LIMIT ?`,
    );
    this.byId = db.prepare('SELECT * FROM commands WHERE id = ?');
  }

  /** The oldest pending commands, at most `limit`: a walk of the partial index, never a scan. */
  pendingCommands(limit: number): CommandRecord[] {
    return this.pending.all(limit).map(toCommand);
  }

  command(id: string): CommandRecord | undefined {
    const n = Number(id);
    if (!Number.isSafeInteger(n)) return undefined;
    const row = this.byId.get(n);
    return row === undefined ? undefined : toCommand(row);
  }
}

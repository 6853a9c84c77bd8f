import type Database from 'better-sqlite3';
import type { PausedTypeRecord } from '../Store.js';
import type { SqlStatement } from './batchWriter.js';

interface PausedTypeRow {
  type: string;
  paused_at: number;
  paused_by: string;
}

/** Pauses a job type; changes nothing (0 changes) when it is paused already. */
export function pauseTypeStatement(type: string, at: number, by: string): SqlStatement {
  return {
    sql: `INSERT INTO paused_types (type, paused_at, paused_by) VALUES (?, ?, ?)
          ON CONFLICT (type) DO NOTHING`,
    params: [type, at, by],
  };
}

/** Resumes a job type; 0 changes when it was not paused. */
export function resumeTypeStatement(type: string): SqlStatement {
  return { sql: 'DELETE FROM paused_types WHERE type = ?', params: [type] };
}

/** The paused job types, in the order they were paused. */
export class PausedTypeReads {
  private readonly all: Database.Statement<[], PausedTypeRow>;

  constructor(db: Database.Database) {
    this.all = db.prepare(
      'SELECT type, paused_at, paused_by FROM paused_types ORDER BY paused_at, type',
    );
  }

  pausedTypes(): PausedTypeRecord[] {
    return this.all.all().map((row) => ({
      type: row.type,
      pausedAt: row.paused_at,
      pausedBy: row.paused_by,
    }));
  }
}

import type Database from 'better-sqlite3';
import { rowId } from './rows.js';

/**
 * A running job's own writes that change no status: progress, checkpoints, and the mark of the
 * process that adopted a stalled last attempt to run its fallback. Each names the row's version.
 */
export class RunUpdates {
  private readonly progress: Database.Statement<[string, number, number, number]>;
  private readonly checkpoint: Database.Statement<[string, number, number, number]>;
  private readonly adopt: Database.Statement<[string, number, number, string]>;
  private readonly unadopt: Database.Statement<[number, number, string]>;

  constructor(db: Database.Database) {
    this.progress = db.prepare(
      `UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ? AND version = ? AND status = 'running'`,
    );
    this.checkpoint = db.prepare(
      `UPDATE jobs SET checkpoint = ?, updated_at = ? WHERE id = ? AND version = ? AND status = 'running'`,
    );
    this.adopt = db.prepare(
      `UPDATE jobs SET fallback_by = ?
       WHERE id = ? AND version = ? AND status = 'running'
         AND (fallback_by IS NULL OR fallback_by = ?)`,
    );
    this.unadopt = db.prepare(
      'UPDATE jobs SET fallback_by = NULL WHERE id = ? AND version = ? AND fallback_by = ?',
    );
  }

  saveProgress(id: string, version: number, json: string, at: number): boolean {
    const n = rowId(id);
    return n !== undefined && this.progress.run(json, at, n, version).changes > 0;
  }

  saveCheckpoint(id: string, version: number, json: string, at: number): boolean {
    const n = rowId(id);
    return n !== undefined && this.checkpoint.run(json, at, n, version).changes > 0;
  }

  /** Marks the fallback of a stalled last attempt as begun by `owner`, unless another process did. */
  adoptForFallback(id: string, version: number, owner: string): boolean {
    const n = rowId(id);
    return n !== undefined && this.adopt.run(owner, n, version, owner).changes > 0;
  }

  /** Clears `owner`'s mark: its fallback was given up unfinished, not lost with a process. */
  releaseFallback(id: string, version: number, owner: string): boolean {
    const n = rowId(id);
    return n !== undefined && this.unadopt.run(n, version, owner).changes > 0;
  }
}

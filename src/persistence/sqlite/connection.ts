import Database from 'better-sqlite3';

/** How long a statement waits for another connection's lock before failing. */
export const busyTimeoutMs = 5000;

/** True for a file path (not an in-memory database). */
export function isFile(filename: string): boolean {
  return filename !== ':memory:' && filename !== '';
}

/** How a connection to a Warden file is set up. */
export interface ConnectionOptions {
  readonly filename: string;
  readonly synchronous: 'full' | 'normal';
  readonly readonly?: boolean;
  readonly busyTimeoutMs?: number;
  /** The owner of the connection checkpoints the WAL itself (SQLite's automatic one is off). */
  readonly checkpointAfterReply?: boolean;
}

/** Opens a connection to a file that is already migrated (and in WAL mode), with Warden's settings. */
export function connect(options: ConnectionOptions): Database.Database {
  const db = new Database(options.filename, { readonly: options.readonly === true });
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? busyTimeoutMs}`);
  if (options.readonly !== true) {
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    // Savepoints (one per step of a group commit) journal to memory, not a temp file.
    db.pragma('temp_store = MEMORY');
    if (options.checkpointAfterReply === true) db.pragma('wal_autocheckpoint = 0');
  }
  return db;
}

import Database from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import {
  DatabaseCorruptError,
  DatabaseUnavailableError,
  type DatabaseError,
  WardenError,
} from '../../errors.js';

function isFile(filename: string): boolean {
  return filename !== ':memory:' && filename !== '';
}

function sqliteCode(error: unknown): string | undefined {
  if (!(error instanceof Database.SqliteError)) return undefined;
  return error.code;
}

/**
 * Refuses a file that exists but cannot be written (its mode, an immutable attribute, a read-only
 * mount), before SQLite sees it: SQLite would open it read-only, create `-wal` and `-shm` files
 * beside it, and fail only at the first write. A file that does not exist yet passes.
 */
export function assertWritable(filename: string): void {
  if (!isFile(filename)) return;
  let fd: number;
  try {
    fd = openSync(filename, 'r+');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new DatabaseUnavailableError(
        `\`${filename}\` is read-only (${code}): Warden writes to its database file, so it needs write access; the file was left untouched`,
        { cause: error },
      );
    }
    return; // not there yet (SQLite creates it), or a directory: SQLite's open reports it
  }
  closeSync(fd);
}

/**
 * The `DatabaseError` for what opening the file threw: a Warden error as it is, and a raw SQLite
 * error (a lock held past the busy timeout, a read-only or damaged file) wrapped, quoting the path.
 */
export function openFailure(error: unknown, filename: string, busyTimeoutMs: number): unknown {
  const code = sqliteCode(error);
  if (WardenError.is(error) || code === undefined) return error;
  const message = (error as Error).message;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new DatabaseUnavailableError(
      `\`${filename}\` is locked: another connection held its write lock for over ${busyTimeoutMs} ms (${code}); the file was left untouched`,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new DatabaseUnavailableError(
      `\`${filename}\` cannot be written (${code}: ${message}); the file was left untouched`,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
    return damaged(filename, error);
  return new DatabaseUnavailableError(`cannot open \`${filename}\`: ${message} (${code})`, {
    cause: error,
  });
}

function damaged(filename: string, error: unknown): DatabaseError {
  const { code, message } = error as { code: string; message: string };
  return new DatabaseCorruptError(
    `\`${filename}\` is damaged (${code}: ${message}); it was left untouched`,
    { cause: error },
  );
}

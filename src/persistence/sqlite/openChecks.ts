import Database from 'better-sqlite3';
import { isFile } from './connection.js';
import { closeSync, openSync, statSync } from 'node:fs';
import {
  DatabaseCorruptError,
  DatabaseUnavailableError,
  type DatabaseError,
  WardenError,
} from '../../errors.js';

/**
 * Files up to this size (the database and its WAL together) get `PRAGMA quick_check` on every
 * start. It reads the whole file: 4 MiB (about 28,000 small jobs) took about 30 ms here, 100 ms
 * from a cold disk cache; a file of 1,000,000 jobs (142 MiB) took 0.45 s, and 5.3 s cold.
 */
export const alwaysCheckedBytes = 4 * 2 ** 20;

/** How many of quick_check's findings a refusal quotes at most. */
const findingsQuoted = 3;

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

/**
 * Whether `start()` checks the file with `PRAGMA quick_check`: when its last owner did not
 * release it (a crash, a kill, a power cut), and on every start of a small file.
 */
export function needsQuickCheck(fileBytes: number, releasedByLastOwner: boolean): boolean {
  return !releasedByLastOwner || fileBytes <= alwaysCheckedBytes;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Refuses a damaged file with `DatabaseCorruptError`, quoting quick_check's first findings,
 * when `needsQuickCheck` says to look. Call it inside the transaction that takes the file over,
 * after the owner check, with `ownerRowChecked` true when the file has an `owner` table and the
 * opener claims it: a row left there means its last owner never released the file.
 */
export function assertIntact(
  db: Database.Database,
  filename: string,
  ownerRowChecked: boolean,
): void {
  if (!isFile(filename)) return;
  const released =
    !ownerRowChecked ||
    (db.prepare('SELECT count(*) AS n FROM owner').get() as { n: number }).n === 0;
  if (!needsQuickCheck(sizeOf(filename) + sizeOf(`${filename}-wal`), released)) return;
  let findings: string[];
  try {
    const rows = db.pragma(`quick_check(${findingsQuoted + 1})`) as { quick_check: string }[];
    // A finding may span lines, the first naming the database ("*** in database main ***").
    findings = rows
      .flatMap((row) => row.quick_check.split('\n'))
      .filter((line) => line !== '' && !/^\*\*\* in database .* \*\*\*$/.test(line));
  } catch (error) {
    const code = sqliteCode(error);
    if (code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) {
      throw damaged(filename, error);
    }
    throw error;
  }
  if (findings.length === 1 && findings[0] === 'ok') return;
  const more = findings.length > findingsQuoted ? '; and more' : '';
  throw new DatabaseCorruptError(
    `\`${filename}\` is damaged: PRAGMA quick_check found: ${findings
      .slice(0, findingsQuoted)
      .join('; ')}${more}; it was left untouched`,
  );
}

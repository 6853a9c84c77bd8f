import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import {
  DatabaseCorruptError,
  DatabaseUnavailableError,
  NotAWardenDatabaseError,
  SchemaTooNewError,
} from '../errors.js';
import { migrations, WARDEN_APPLICATION_ID } from '../persistence/schema.js';

/** The file `--database` names does not exist (the CLI never creates one, except `demo`). */
export class DatabaseMissingError extends DatabaseUnavailableError {
  constructor(readonly filename: string) {
    super(
      `\`${filename}\` does not exist: pass the file a Warden writes to with --database <file> (default warden.db)`,
    );
  }
}

/** The schema version this CLI knows: the number of migrations it ships. */
export const knownSchemaVersion = migrations.length;

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Refuses what is not a file: a missing path, a directory. */
function assertFile(filename: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(filename).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new DatabaseMissingError(filename);
    throw new DatabaseUnavailableError(`cannot read \`${filename}\`: ${String(error)}`, {
      cause: error,
    });
  }
  if (!isFile) {
    throw new DatabaseUnavailableError(`\`${filename}\` is not a file (a directory?)`);
  }
}

/** Refuses a file that is not Warden's, or of a newer schema than this CLI knows. */
function assertWardenFile(db: Database.Database, filename: string): void {
  let applicationId: number;
  let userVersion: number;
  try {
    applicationId = db.pragma('application_id', { simple: true }) as number;
    userVersion = db.pragma('user_version', { simple: true }) as number;
  } catch (error) {
    const code = sqliteCode(error);
    if (code === 'SQLITE_NOTADB') {
      throw new NotAWardenDatabaseError(`\`${filename}\` is not an SQLite database (${code})`, {
        cause: error,
      });
    }
    if (code?.startsWith('SQLITE_CORRUPT') === true) {
      throw new DatabaseCorruptError(`\`${filename}\` is damaged (${code})`, { cause: error });
    }
    throw new DatabaseUnavailableError(`cannot read \`${filename}\`: ${String(error)}`, {
      cause: error,
    });
  }
  if (applicationId !== WARDEN_APPLICATION_ID) {
    throw new NotAWardenDatabaseError(
      `\`${filename}\` is not a Warden database (application_id ${applicationId}, Warden's is ${WARDEN_APPLICATION_ID})`,
    );
  }
  if (userVersion > knownSchemaVersion) {
    throw new SchemaTooNewError(
      `\`${filename}\` has schema version ${userVersion}, newer than this CLI's ${knownSchemaVersion}: upgrade warden to read it`,
    );
  }
  if (userVersion < knownSchemaVersion) {
    throw new DatabaseUnavailableError(
      `\`${filename}\` has schema version ${userVersion}, older than this CLI's ${knownSchemaVersion}: start a Warden of this version on it once to migrate it (the CLI never writes to the file)`,
    );
  }
}

/**
 * Opens a Warden database read-only (`fileMustExist`): the connection can neither write nor
 * migrate. Throws `DatabaseMissingError`, `NotAWardenDatabaseError`, `DatabaseCorruptError` or
 * `SchemaTooNewError`, each quoting the path.
 */
export function openReadOnly(filename: string): Database.Database {
  assertFile(filename);
  let db: Database.Database;
  try {
    db = new Database(filename, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new DatabaseUnavailableError(`cannot open \`${filename}\`: ${String(error)}`, {
      cause: error,
    });
  }
  try {
    db.pragma('busy_timeout = 5000');
    assertWardenFile(db, filename);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

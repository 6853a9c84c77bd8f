import { WardenError } from './wardenError.js';

/**
 * The database file is not a Warden database, is damaged, was written by a newer version, cannot
 * be opened, is owned by another live Warden, or refused a write.
 */
export class DatabaseError extends WardenError {
  declare readonly code: DatabaseErrorCode;
  // Not useless: it narrows `code` to the database codes.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: DatabaseErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The codes of `DatabaseError`, each with its own subclass. */
export type DatabaseErrorCode =
  | 'NOT_A_WARDEN_DATABASE'
  | 'DATABASE_CORRUPT'
  | 'SCHEMA_TOO_NEW'
  | 'DATABASE_UNAVAILABLE'
  | 'DATABASE_IN_USE'
  | 'DATABASE_WRITE_FAILED';

/** The file is not a Warden database (another application's, or not SQLite at all). */
export class NotAWardenDatabaseError extends DatabaseError {
  declare readonly code: 'NOT_A_WARDEN_DATABASE';
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_A_WARDEN_DATABASE', message, options);
  }
}

/** The database file is damaged. */
export class DatabaseCorruptError extends DatabaseError {
  declare readonly code: 'DATABASE_CORRUPT';
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_CORRUPT', message, options);
  }
}

/** The database was written by a newer version of Warden. */
export class SchemaTooNewError extends DatabaseError {
  declare readonly code: 'SCHEMA_TOO_NEW';
  constructor(message: string, options?: { cause?: unknown }) {
    super('SCHEMA_TOO_NEW', message, options);
  }
}

/** The database cannot be opened or read, or the store is not open. */
export class DatabaseUnavailableError extends DatabaseError {
  declare readonly code: 'DATABASE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_UNAVAILABLE', message, options);
  }
}

/** The database file is owned by another live Warden. */
export class DatabaseInUseError extends DatabaseError {
  declare readonly code: 'DATABASE_IN_USE';
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_IN_USE', message, options);
  }
}

/** The database refused a write. */
export class DatabaseWriteFailedError extends DatabaseError {
  declare readonly code: 'DATABASE_WRITE_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_WRITE_FAILED', message, options);
  }
}

/**
 * Thrown by a store when the database undid the whole transaction (an I/O error, say), not just
 * the failed write: the group commit around it cannot go on. `cause` is the database's error.
 */
export class TransactionLostError extends WardenError {
  declare readonly code: 'TRANSACTION_LOST';
  constructor(cause: unknown) {
    super('TRANSACTION_LOST', 'the database rolled the whole transaction back', { cause });
  }
}

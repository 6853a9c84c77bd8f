import Database from 'better-sqlite3';
import {
  DatabaseCorruptError,
  DatabaseUnavailableError,
  NotAWardenDatabaseError,
  SchemaTooNewError,
} from '../../errors.js';
import { migrations, ownerTableSince, WARDEN_APPLICATION_ID } from '../schema.js';
import type { OwnerRecord, OwnershipClaim } from '../Store.js';
import { busyTimeoutMs, isFile } from './connection.js';
import { assertIntact, assertWritable, openFailure } from './openChecks.js';
import { ownerQuery, toOwner, type OwnerRow } from './owner.js';
import { sqliteCode } from './rows.js';

/** Checks a database file before anything is written to it; throws a `DatabaseError`. */
function inspect(db: Database.Database, filename: string): { userVersion: number } {
  let applicationId: number;
  let userVersion: number;
  let objects: number;
  try {
    applicationId = db.pragma('application_id', { simple: true }) as number;
    userVersion = db.pragma('user_version', { simple: true }) as number;
    objects = (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
  } catch (error) {
    const code = sqliteCode(error);
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new DatabaseCorruptError(
        `\`${filename}\` is not a readable SQLite database (${code}); it was left untouched`,
        { cause: error },
      );
    }
    throw new DatabaseUnavailableError(`cannot read \`${filename}\`: ${String(error)}`, {
      cause: error,
    });
  }
  const fresh = applicationId === 0 && userVersion === 0 && objects === 0;
  if (!fresh && applicationId !== WARDEN_APPLICATION_ID) {
    throw new NotAWardenDatabaseError(
      `\`${filename}\` is an SQLite database of another application (application_id ${applicationId}, ${objects} schema objects); it was left untouched`,
    );
  }
  if (userVersion > migrations.length) {
    throw new SchemaTooNewError(
      `\`${filename}\` has schema version ${userVersion}, newer than this Warden's ${migrations.length}; upgrade Warden to open it (the file was left untouched)`,
    );
  }
  return { userVersion };
}

/** Blocks the thread for `ms` (SQLite's own busy handler sleeps the same way). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Switches the file to WAL mode. SQLite answers `SQLITE_BUSY` at once, without its busy handler,
 * when another connection is switching the same new file at that moment; so this retries for up
 * to the busy timeout, and is done as soon as the file is in WAL mode, whoever switched it.
 */
function enterWalMode(db: Database.Database, lockWaitMs: number): void {
  const pauseMs = 10;
  for (let waited = 0; ; waited += pauseMs) {
    try {
      if (db.pragma('journal_mode', { simple: true }) === 'wal') return;
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (sqliteCode(error) !== 'SQLITE_BUSY' || waited >= lockWaitMs) throw error;
      sleepSync(pauseMs);
    }
  }
}

/**
 * Opens (creating or migrating) a Warden database and, in the transaction that migrates it,
 * makes `claim.owner` its owner, or throws `claim.refused(current)` having written nothing.
 * Refuses foreign, damaged or newer files. Returns the connection, set up for reads.
 */
export function openDatabase(
  filename: string,
  synchronous: 'full' | 'normal',
  claim: OwnershipClaim | undefined,
  lockWaitMs = busyTimeoutMs,
): Database.Database {
  assertWritable(filename);
  let db: Database.Database;
  try {
    db = new Database(filename);
  } catch (error) {
    throw new DatabaseUnavailableError(`cannot open \`${filename}\`: ${String(error)}`, {
      cause: error,
    });
  }
  let owner: OwnerRecord | undefined;
  try {
    // First, so that a second process starting at the same moment waits for the first.
    db.pragma(`busy_timeout = ${lockWaitMs}`);
    // One read snapshot, so a process migrating the file meanwhile is seen before or after.
    db.transaction(() => inspect(db, filename))();
    if (isFile(filename)) enterWalMode(db, lockWaitMs);
    db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    // Under the write lock: the schema version another process may just have changed, the
    // owner check, the migrations and the owner row form one transaction, so a refused open
    // writes nothing, and an up-to-date file opened without a claim is not written to.
    owner = db
      .transaction((): OwnerRecord | undefined => {
        const { userVersion } = inspect(db, filename);
        if (claim !== undefined && userVersion >= ownerTableSince) {
          const row = db.prepare<[], OwnerRow>(ownerQuery).get();
          if (row !== undefined && row.token !== claim.owner.token) {
            const current = toOwner(row);
            if (!claim.mayReplace(current)) return current;
          }
        }
        assertIntact(db, filename, claim !== undefined && userVersion >= ownerTableSince);
        if (userVersion < migrations.length) {
          for (let version = userVersion; version < migrations.length; version++) {
            const migration = migrations[version];
            if (typeof migration === 'function') migration(db);
            else if (migration !== undefined) db.exec(migration);
          }
          db.pragma(`application_id = ${WARDEN_APPLICATION_ID}`);
          db.pragma(`user_version = ${migrations.length}`);
        }
        if (claim !== undefined) {
          const o = claim.owner;
          db.prepare(
            `INSERT INTO owner (id, token, pid, host, process_started_at, started_at, heartbeat_at)
             VALUES (1, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET token = excluded.token, pid = excluded.pid,
               host = excluded.host, process_started_at = excluded.process_started_at,
               started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at`,
          ).run(o.token, o.pid, o.host, o.processStartedAt, o.startedAt, o.heartbeatAt);
        }
        return undefined;
      })
      .immediate();
  } catch (error) {
    db.close();
    throw openFailure(error, filename, lockWaitMs);
  }
  if (owner !== undefined && claim !== undefined) {
    db.close();
    throw claim.refused(owner);
  }
  return db;
}

import type Database from 'better-sqlite3';
import type { Command } from 'commander';
import { openReadOnly } from './database.js';
import type { CliIo } from './output.js';

/** The options every subcommand takes. */
export interface GlobalOptions {
  /** The Warden database file. */
  readonly database: string;
  /** Machine-readable output: one JSON document on stdout, no progress display. */
  readonly json: boolean;
}

/** What a subcommand's action runs with. */
export class CliContext {
  /** What the process exits with when the action returns; an action that fails throws instead. */
  exitCode = 0;

  constructor(readonly io: CliIo) {}

  /** The global options as given to (or defaulted for) `command`. */
  globals(command: Command): GlobalOptions {
    const all = command.optsWithGlobals<{ database: string; json?: boolean }>();
    return { database: all.database, json: all.json === true };
  }

  /** Runs `read` on a read-only connection to the database, closed afterwards. */
  read<T>(globals: GlobalOptions, read: (db: Database.Database) => T): T {
    const db = openReadOnly(globals.database);
    try {
      return read(db);
    } finally {
      db.close();
    }
  }

  /** Runs `read` on a read-only connection to the database, closed once its promise settles. */
  async readAsync<T>(
    globals: GlobalOptions,
    read: (db: Database.Database) => Promise<T>,
  ): Promise<T> {
    const db = openReadOnly(globals.database);
    try {
      return await read(db);
    } finally {
      db.close();
    }
  }

  /** Writes `text` to stdout. */
  out(text: string): void {
    this.io.stdout(text);
  }

  /** Writes a line to stderr (warnings, notes for people). */
  note(line: string): void {
    this.io.stderr(`${line}\n`);
  }
}

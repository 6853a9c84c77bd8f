import { WARDEN_APPLICATION_ID } from '../../src/persistence/schema.js';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../../src/cli/exitCodes.js';
import { knownSchemaVersion, openReadOnly } from '../../src/cli/database.js';
import { cli, fileScratch, preparedDatabase } from './helpers.js';

const scratch = fileScratch();
let database: string;
beforeAll(async () => {
  database = await preparedDatabase(scratch);
});

/** A copy of the prepared file, changed by `change` through a writable connection. */
function alteredCopy(name: string, change: (db: Database.Database) => void): string {
  const path = join(scratch, name);
  copyFileSync(database, path);
  const db = new Database(path);
  change(db);
  db.close();
  return path;
}

describe('the database file', () => {
  it('defaults to warden.db, and a missing file exits 8 naming it', async () => {
    const { code, stdout, stderr } = await cli(['jobs', 'list']);
    expect(code).toBe(exitCodes.missingDatabase);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'warden: `warden.db` does not exist: pass the file a Warden writes to with --database <file> (default warden.db)\n',
    );
    const other = await cli(['jobs', 'count', '--database', join(scratch, 'nope.db')]);
    expect(other.code).toBe(exitCodes.missingDatabase);
    expect(other.stderr).toContain(`\`${join(scratch, 'nope.db')}\` does not exist`);
  });

  it("exits 9 for another application's SQLite file, and for a file that is not SQLite", async () => {
    const foreign = join(scratch, 'foreign.db');
    const db = new Database(foreign);
    db.pragma('application_id = 42');
    db.exec('CREATE TABLE notes (body TEXT)');
    db.close();
    const refused = await cli(['jobs', 'list', '--database', foreign]);
    expect(refused.code).toBe(exitCodes.foreignDatabase);
    expect(refused.stderr).toBe(
      `warden: \`${foreign}\` is not a Warden database (application_id 42, Warden's is ${WARDEN_APPLICATION_ID})\n`,
    );

    const text = join(scratch, 'notes.txt');
    writeFileSync(text, 'not a database at all, just some words. '.repeat(40));
    const notSqlite = await cli(['dlq', 'list', '--database', text]);
    expect(notSqlite.code).toBe(exitCodes.foreignDatabase);
    expect(notSqlite.stderr).toContain(`\`${text}\` is not an SQLite database (SQLITE_NOTADB)`);
    expect(readFileSync(text, 'utf8')).toBe('not a database at all, just some words. '.repeat(40));
  });

  it('exits 10 for a schema newer than the CLI knows, and 1 for an older one', async () => {
    const newer = alteredCopy('newer.db', (db) =>
      db.pragma(`user_version = ${knownSchemaVersion + 1}`),
    );
    const tooNew = await cli(['jobs', 'count', '--database', newer]);
    expect(tooNew.code).toBe(exitCodes.schemaTooNew);
    expect(tooNew.stderr).toContain(
      `has schema version ${knownSchemaVersion + 1}, newer than this CLI's ${knownSchemaVersion}: upgrade warden`,
    );
    const older = alteredCopy('older.db', (db) =>
      db.pragma(`user_version = ${knownSchemaVersion - 1}`),
    );
    const tooOld = await cli(['jobs', 'count', '--database', older]);
    expect(tooOld.code).toBe(exitCodes.failed);
    expect(tooOld.stderr).toContain('older than this CLI');
  });

  it('refuses a directory', async () => {
    const dir = join(scratch, 'a-directory');
    mkdirSync(dir);
    const { code, stderr } = await cli(['jobs', 'list', '--database', dir]);
    expect(code).toBe(exitCodes.failed);
    expect(stderr).toContain(`\`${dir}\` is not a file`);
  });

  it('reads through a connection that cannot write', () => {
    const db = openReadOnly(database);
    try {
      expect(db.readonly).toBe(true);
      expect(() => db.exec("DELETE FROM jobs WHERE status = 'dead'")).toThrow(/readonly/);
    } finally {
      db.close();
    }
  });
});

describe('usage', () => {
  it('prints help and exits 0 for --help, with the exit codes listed', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: warden [options] [command]');
    expect(stdout).toContain('--database <file>');
    expect(stdout).toContain('Exit codes: 0 ok');
  });

  it('exits 2 for no command, an unknown command or option, or a missing argument', async () => {
    const none = await cli([]);
    expect(none.code).toBe(exitCodes.usage);
    expect(none.stdout).toContain('Usage: warden');
    const unknown = await cli(['jobz']);
    expect(unknown.code).toBe(exitCodes.usage);
    expect(unknown.stderr).toContain("error: unknown command 'jobz'");
    const option = await cli(['jobs', 'list', '--colour']);
    expect(option.code).toBe(exitCodes.usage);
    expect(option.stderr).toContain("error: unknown option '--colour'");
    const argument = await cli(['jobs', 'show']);
    expect(argument.code).toBe(exitCodes.usage);
    expect(argument.stderr).toContain("error: missing required argument 'id'");
    const group = await cli(['jobs']); // a group without its subcommand
    expect(group.code).toBe(exitCodes.usage);
    expect(group.stderr).toContain('Usage: warden jobs');
    expect((await cli(['jobs', '--help'])).code).toBe(0);
  });
});

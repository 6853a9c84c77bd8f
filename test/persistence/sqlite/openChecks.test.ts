import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { DatabaseError, WardenError } from '../../../src/errors.js';
import { createWarden } from '../../../src/index.js';
import { SqliteStore } from '../../../src/persistence/sqliteStore.js';
import { tempDatabase } from '../../helpers.js';

// Issue 9 §5.1: what start() refuses when it opens a file, with a DatabaseError quoting it.

const undo: (() => void)[] = [];
const opened: SqliteStore[] = [];

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  for (const step of undo.splice(0).reverse()) step();
});

function store(filename: string, busyTimeoutMs?: number): SqliteStore {
  const s = new SqliteStore({
    filename,
    synchronous: 'normal',
    ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }),
  });
  opened.push(s);
  return s;
}

/** A Warden file holding a job for each payload, closed cleanly: its owner released it. */
async function wardenFile(payloads: readonly unknown[]): Promise<string> {
  const database = tempDatabase();
  const warden = createWarden({ database });
  warden.defineJob('work', { run: () => undefined });
  await warden.start();
  await warden.enqueueMany(
    payloads.map((payload) => ({ type: 'work', payload, options: { delayMs: 60_000 } })),
  );
  await warden.stop();
  return database;
}

function sha256(filename: string): string {
  return createHash('sha256').update(readFileSync(filename)).digest('hex');
}

function expectUntouched(filename: string, digest: string): void {
  expect(sha256(filename)).toBe(digest);
  expect(existsSync(`${filename}-wal`)).toBe(false);
  expect(existsSync(`${filename}-shm`)).toBe(false);
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/**
 * Makes the file unwritable for this process: its mode, or as root (whom modes do not stop) the
 * immutable attribute; skips the test where neither works.
 */
function makeReadOnly(filename: string, context: TestContext): void {
  if (process.getuid?.() === 0) {
    try {
      execFileSync('chattr', ['+i', filename], { stdio: 'ignore' });
      undo.push(() => execFileSync('chattr', ['-i', filename]));
    } catch {
      context.skip('running as root where chattr +i does not work');
    }
  } else {
    chmodSync(filename, 0o444);
    undo.push(() => chmodSync(filename, 0o644));
  }
  try {
    closeSync(openSync(filename, 'r+'));
  } catch {
    return;
  }
  context.skip('this file system lets the file be written anyway');
}

describe('a read-only or immutable file', () => {
  it('is refused by start() with DATABASE_UNAVAILABLE, leaving no -wal or -shm behind', async (context) => {
    const filename = await wardenFile([{}]);
    makeReadOnly(filename, context);
    const digest = sha256(filename);
    const warden = createWarden({ database: filename });

    const error = await warden.start().catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^\`${filename}\` is read-only \\((EACCES|EPERM)\\): Warden writes to its database file, so it needs write access; the file was left untouched$`,
      ),
    );
    expectUntouched(filename, digest);
  });
});

describe('a file whose write lock another connection holds', () => {
  it('is refused with DATABASE_UNAVAILABLE once the busy timeout has passed', async () => {
    const filename = await wardenFile([{}]);
    const holder = new Database(filename);
    holder.exec('BEGIN IMMEDIATE');
    undo.push(() => holder.close());

    const error = thrownBy(() => store(filename, 50).open());

    expect(error).toBeInstanceOf(DatabaseError);
    expect(WardenError.is(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      message: `\`${filename}\` is locked: another connection held its write lock for over 50 ms (SQLITE_BUSY); the file was left untouched`,
    });
    expect((error as Error).cause).toMatchObject({ code: 'SQLITE_BUSY' });

    holder.exec('ROLLBACK');
    store(filename, 50).open();
  });
});

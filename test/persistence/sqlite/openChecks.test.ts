import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { DatabaseError, WardenError } from '../../../src/errors.js';
import { createWarden } from '../../../src/index.js';
import { alwaysCheckedBytes, needsQuickCheck } from '../../../src/persistence/sqlite/openChecks.js';
import { SqliteStore } from '../../../src/persistence/sqliteStore.js';
import type { OwnershipClaim } from '../../../src/persistence/Store.js';
import { tempDatabase } from '../../helpers.js';

// Issue 9 §5.1 and §5.5: what start() refuses when it opens a file, with a DatabaseError quoting it.

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

/** A claim on the file by a new owner that replaces any it finds (as one that is gone). */
function claim(): OwnershipClaim {
  return {
    owner: {
      token: 'the-new-owner',
      pid: process.pid,
      host: 'here',
      processStartedAt: 0,
      startedAt: 2000,
      heartbeatAt: 2000,
    },
    mayReplace: () => true,
    refused: () => new Error('refused'),
    lost: () => new Error('lost'),
  };
}

/** Leaves an owner row in the file, as a Warden that was killed does (on a host long silent). */
function leaveOwnerRow(filename: string): void {
  const db = new Database(filename);
  db.prepare(
    `INSERT INTO owner (id, token, pid, host, process_started_at, started_at, heartbeat_at)
     VALUES (1, 'the-killed-warden', 1, 'gone', 0, 1000, 1000)`,
  ).run();
  db.close();
}

/** Overwrites the b-tree header of the `jobs` table's root page: a real damaged page. */
function damageJobsTable(filename: string): void {
  const db = new Database(filename, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const { rootpage } = db
    .prepare("SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'jobs'")
    .get() as { rootpage: number };
  db.close();
  const fd = openSync(filename, 'r+');
  writeSync(fd, Buffer.alloc(12, 0xee), 0, 12, (rootpage - 1) * pageSize);
  closeSync(fd);
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

describe('a damaged file', () => {
  it('is refused by start() with DATABASE_CORRUPT, quoting quick_check, and left untouched', async () => {
    const filename = await wardenFile(Array.from({ length: 500 }, (_, i) => ({ i })));
    damageJobsTable(filename);
    const digest = sha256(filename);
    const warden = createWarden({ database: filename });

    const error = await warden.start().catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ code: 'DATABASE_CORRUPT', name: 'DatabaseCorruptError' });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^\`${filename}\` is damaged: PRAGMA quick_check found: Tree \\d+ page \\d+: [^\\n]+; it was left untouched$`,
      ),
    );
    expectUntouched(filename, digest);
  });

  describe('larger than the size checked on every start', () => {
    // One job whose payload fills the file past the size: quick to write, and read by the check.
    const big = (): Promise<string> => wardenFile([{ blob: 'x'.repeat(alwaysCheckedBytes) }]);

    it('is refused by start() after an unclean shutdown: its last owner never released it', async () => {
      const filename = await big();
      leaveOwnerRow(filename);
      damageJobsTable(filename);
      const warden = createWarden({ database: filename });

      const error = await warden.start().catch((thrown: unknown) => thrown);

      expect(error).toMatchObject({ code: 'DATABASE_CORRUPT' });
      const db = new Database(filename, { readonly: true });
      expect(db.prepare('SELECT token FROM owner').get()).toEqual({ token: 'the-killed-warden' });
      db.close();
    });

    it('is not read through when its last owner released it, so a clean start stays fast', async () => {
      const filename = await big();
      damageJobsTable(filename);

      expect(() => store(filename).open(claim())).not.toThrow();
    });
  });
});

describe('needsQuickCheck', () => {
  it.each([
    [alwaysCheckedBytes, true, true],
    [alwaysCheckedBytes + 1, true, false],
    [alwaysCheckedBytes + 1, false, true],
    [0, false, true],
  ])('for %i bytes, released by its last owner: %s, checks: %s', (bytes, released, checks) => {
    expect(needsQuickCheck(bytes, released)).toBe(checks);
  });
});

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  DatabaseInUseError,
  InvalidTransitionError,
  JobNotFoundError,
  VersionConflictError,
  WardenError,
} from '../../../src/errors.js';
import { connect } from '../../../src/persistence/sqlite/connection.js';
import { decodeBatchResult, encodeBatchResult } from '../../../src/persistence/sqlite/wireBatch.js';
import { fromWire, toWire } from '../../../src/persistence/sqlite/wireErrors.js';
import type { BatchResult } from '../../../src/persistence/Store.js';
import { tempDatabase } from '../../helpers.js';

/** What structured cloning (postMessage) does to a value between threads. */
const acrossThreads = <T>(value: T): T => structuredClone(value);

describe('errors between the writer thread and the main thread', () => {
  it('keep their Warden class, code, message, stack and own fields', () => {
    const original = new VersionConflictError('7', 3, 4);
    const back = fromWire(acrossThreads(toWire(original)));
    expect(back).toBeInstanceOf(VersionConflictError);
    expect(WardenError.is(back)).toBe(true);
    expect(back).toMatchObject({
      name: 'VersionConflictError',
      code: 'VERSION_CONFLICT',
      message: original.message,
      stack: original.stack,
    });
    expect(Object.entries(back)).toEqual(Object.entries(original));
  });

  it('keep a subclass of a subclass (a database error)', () => {
    const back = fromWire(acrossThreads(toWire(new DatabaseInUseError('`x.db` is in use'))));
    expect(back).toBeInstanceOf(DatabaseInUseError);
    expect(back).toMatchObject({ code: 'DATABASE_IN_USE', name: 'DatabaseInUseError' });
  });

  it('bring a SQLite error back as an Error with its name and code', () => {
    const db = new Database(':memory:');
    let thrown: unknown;
    try {
      db.exec('SELECT * FROM nowhere');
    } catch (error) {
      thrown = error;
    }
    db.close();
    const back = fromWire(acrossThreads(toWire(thrown)));
    expect(back).toBeInstanceOf(Error);
    expect(WardenError.is(back)).toBe(false);
    expect(back).toMatchObject({
      name: 'SqliteError',
      code: 'SQLITE_ERROR',
      message: 'no such table: nowhere',
    });
  });

  it('turn a field that cannot cross threads into its text, and a thrown non-error into an Error', () => {
    const error = Object.assign(new Error('odd'), { handle: () => 1 });
    const back = fromWire(acrossThreads(toWire(error)));
    expect(back).toMatchObject({ message: 'odd', handle: '() => 1' });
    expect(fromWire(acrossThreads(toWire('just a string')))).toMatchObject({
      name: 'Error',
      message: 'just a string',
    });
  });

  it('keep a name Warden does not know, without making it a WardenError', () => {
    const wire = { ...toWire(new Error('x')), name: 'SomethingElse', code: 'ODD' };
    const back = fromWire(wire);
    expect(WardenError.is(back)).toBe(false);
    expect(back).toMatchObject({ name: 'SomethingElse', code: 'ODD', message: 'x' });
  });
});

describe('a batch result between the threads', () => {
  it('keeps versions, refusals per change, failed steps and the due time', () => {
    const result: BatchResult = {
      nextDue: 123,
      results: [
        { ok: true, value: [2, new JobNotFoundError('9'), 5] },
        { ok: true, value: [3, 4] },
        { ok: false, error: new InvalidTransitionError('job 1', 'dead', 'cancel it') },
        { ok: true, value: true },
        { ok: true, value: { before: { id: '1' }, after: { id: '1' } } as never },
      ],
    };
    const back = decodeBatchResult(acrossThreads(encodeBatchResult(result)));
    expect(back.nextDue).toBe(123);
    const [changes, plain, failed, flag, command] = back.results;
    expect(changes?.ok && changes.value).toEqual([2, expect.any(JobNotFoundError), 5]);
    expect(plain).toEqual({ ok: true, value: [3, 4] });
    expect(failed?.ok).toBe(false);
    expect(!failed?.ok && failed?.error).toBeInstanceOf(InvalidTransitionError);
    expect(flag).toEqual({ ok: true, value: true });
    expect(command).toEqual({ ok: true, value: { before: { id: '1' }, after: { id: '1' } } });
  });

  it('says nothing of the due time when none was asked for', () => {
    const back = decodeBatchResult(acrossThreads(encodeBatchResult({ results: [] })));
    expect(Object.hasOwn(back, 'nextDue')).toBe(false);
  });
});

describe('a connection to a migrated file', () => {
  it('has Warden settings for writing, and none that would write for reading', () => {
    const filename = tempDatabase();
    const setup = new Database(filename);
    setup.pragma('journal_mode = WAL');
    setup.exec('CREATE TABLE t (x)');
    setup.close();
    const writer = connect({ filename, synchronous: 'normal', busyTimeoutMs: 1234 });
    expect(writer.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(writer.pragma('synchronous', { simple: true })).toBe(1);
    expect(writer.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(writer.pragma('temp_store', { simple: true })).toBe(2);
    writer.close();
    const full = connect({ filename, synchronous: 'full' });
    expect(full.pragma('synchronous', { simple: true })).toBe(2);
    expect(full.pragma('busy_timeout', { simple: true })).toBe(5000);
    full.close();
    const reader = connect({ filename, synchronous: 'full', readonly: true });
    expect(reader.readonly).toBe(true);
    expect(() => reader.exec('INSERT INTO t VALUES (1)')).toThrow(/readonly/);
    reader.close();
  });
});

import Database from 'better-sqlite3';
import { take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createManualClock, InvalidOptionError } from '../../src/index.js';
import { fileChanges, type FileChange } from '../../src/dashboard/fileChanges.js';
import { t0, tempDatabase, testWarden } from '../helpers.js';

describe('fileChanges', () => {
  it('sees another connection’s commits by data_version alone, once per look', async () => {
    const file = tempDatabase();
    const writer = new Database(file);
    writer.pragma('journal_mode = WAL');
    writer.exec('CREATE TABLE t (x)');
    const reader = new Database(file, { readonly: true });
    const clock = createManualClock(t0);
    const seen: FileChange[] = [];
    const subscription = fileChanges(reader, clock, 50).subscribe((change) => seen.push(change));
    try {
      await clock.advance(50);
      expect(seen).toEqual([]); // nothing committed since it began
      writer.exec('INSERT INTO t VALUES (1)');
      writer.exec('INSERT INTO t VALUES (2)');
      await clock.advance(49);
      expect(seen).toEqual([]);
      await clock.advance(1);
      expect(seen).toHaveLength(1); // two commits, one look
      expect(seen[0]?.at).toBe(t0 + 100);
      await clock.advance(200);
      expect(seen).toHaveLength(1);
      writer.exec('INSERT INTO t VALUES (3)');
      await clock.advance(50);
      expect(seen).toHaveLength(2);
      expect(seen[1]!.dataVersion).not.toBe(seen[0]!.dataVersion);
    } finally {
      subscription.unsubscribe();
      expect(clock.pending()).toBe(0);
      reader.close();
      writer.close();
    }
  });

  it('stops looking once its subscriber has what it wanted', async () => {
    const file = tempDatabase();
    const writer = new Database(file);
    writer.exec('CREATE TABLE t (x)');
    const reader = new Database(file, { readonly: true });
    const clock = createManualClock(t0);
    const seen: FileChange[] = [];
    fileChanges(reader, clock, 10)
      .pipe(take(1))
      .subscribe((change) => seen.push(change));
    writer.exec('INSERT INTO t VALUES (1)');
    await clock.advance(10);
    expect(seen).toHaveLength(1);
    expect(clock.pending()).toBe(0);
    reader.close();
    writer.close();
  });

  it('sees a Warden in this process commit a job', async () => {
    const database = tempDatabase();
    const { warden, clock } = testWarden({ database });
    warden.defineJob('noop', { run: () => undefined });
    await warden.start();
    const reader = new Database(database, { readonly: true });
    const seen: FileChange[] = [];
    const subscription = fileChanges(reader, clock).subscribe((change) => seen.push(change));
    try {
      await clock.advance(100);
      const before = seen.length;
      const job = await warden.enqueue('noop', {});
      await warden.waitForJob(job.id);
      await clock.advance(100);
      expect(seen.length).toBe(before + 1);
    } finally {
      subscription.unsubscribe();
      reader.close();
    }
  });

  it('ends with the error when the connection can no longer be read', async () => {
    const file = tempDatabase();
    new Database(file).close();
    const reader = new Database(file, { readonly: true });
    const clock = createManualClock(t0);
    const errors: unknown[] = [];
    fileChanges(reader, clock).subscribe({ error: (error: unknown) => errors.push(error) });
    reader.close();
    await clock.advance(100);
    expect(errors).toHaveLength(1);
    expect(clock.pending()).toBe(0);
    const closed = new Database(file, { readonly: true });
    const watch = fileChanges(closed, clock);
    closed.close();
    const early: unknown[] = [];
    watch.subscribe({ error: (error: unknown) => early.push(error) });
    expect(early).toHaveLength(1);
  });

  it('refuses an interval out of bounds with a typed error', () => {
    const db = new Database(':memory:');
    expect(() => fileChanges(db, createManualClock(t0), 0)).toThrow(InvalidOptionError);
    db.close();
  });
});

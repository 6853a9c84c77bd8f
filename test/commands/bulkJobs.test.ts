import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { bulkJobs, statusesTaking } from '../../src/commands/bulkJobs.js';
import { createWarden, InvalidOptionError, UnrecoverableError } from '../../src/index.js';
import { rejection, tempDatabase } from '../helpers.js';

/**
 * A file left by a stopped Warden: dead jobs of `a` (payloads n 0..3, the odd ones saying
 * `needle`) and of `b`, one succeeded `a`, and two `a` scheduled an hour ahead. No owner.
 */
async function leftFile(): Promise<string> {
  const database = tempDatabase();
  const warden = createWarden({ database, concurrency: 4 });
  for (const type of ['a', 'b']) {
    warden.defineJob(type, {
      retry: { attempts: 1 },
      run: (payload: { ok?: boolean }) => {
        if (payload.ok === true) return 'fine';
        throw new UnrecoverableError('no');
      },
    });
  }
  await warden.start();
  const jobs = await warden.enqueueMany([
    ...[0, 1, 2, 3].map((n) => ({
      type: 'a',
      payload: { n, say: n % 2 === 1 ? 'needle' : 'hay' },
    })),
    { type: 'b', payload: {} },
    { type: 'a', payload: { ok: true } },
  ]);
  for (const job of jobs) await warden.waitForJob(job.id);
  await warden.enqueueMany([
    { type: 'a', payload: { later: 1 }, options: { delayMs: 3_600_000 } },
    { type: 'a', payload: { later: 2 }, options: { delayMs: 3_600_000 } },
  ]);
  await warden.stop();
  return database;
}

function statuses(database: string): string[] {
  const db = new Database(database, { readonly: true });
  const rows = db.prepare('SELECT status FROM jobs ORDER BY id').pluck().all() as string[];
  db.close();
  return rows;
}

describe('bulkJobs', () => {
  it('reads which statuses take each action from the job machine', () => {
    expect(statusesTaking('REPLAY')).toEqual(['cancelled', 'dead']);
    expect(statusesTaking('CANCEL')).toEqual([
      'scheduled',
      'queued',
      'claimed',
      'running',
      'retrying',
    ]);
  });

  it('replays the dead jobs of one type, and only those', async () => {
    const database = await leftFile();
    const result = await bulkJobs(database, 'replay', { type: 'a' });
    expect(result).toEqual({
      action: 'replay',
      matched: 4,
      done: 4,
      failed: [],
      more: false,
      via: 'direct',
    });
    expect(statuses(database)).toEqual([
      ...['queued', 'queued', 'queued', 'queued'],
      ...['dead', 'succeeded', 'scheduled', 'scheduled'],
    ]);
  });

  it('acts on the jobs a text search matches', async () => {
    const database = await leftFile();
    const result = await bulkJobs(database, 'replay', { q: 'NEEDLE' });
    expect([result.matched, result.done]).toEqual([2, 2]);
    expect(statuses(database).slice(0, 4)).toEqual(['dead', 'queued', 'dead', 'queued']);
  });

  it('cancels only jobs whose state takes a cancel, whatever statuses the filter names', async () => {
    const database = await leftFile();
    const none = await bulkJobs(database, 'cancel', { status: ['succeeded', 'dead'] });
    expect(none.matched).toBe(0);
    const result = await bulkJobs(database, 'cancel', {});
    expect([result.matched, result.done]).toEqual([2, 2]);
    expect(statuses(database).slice(6)).toEqual(['cancelled', 'cancelled']);
  });

  it('stops at max and says more jobs match', async () => {
    const database = await leftFile();
    const first = await bulkJobs(database, 'replay', {}, { max: 3 });
    expect([first.matched, first.more]).toEqual([3, true]);
    const second = await bulkJobs(database, 'replay', {}, { max: 2 });
    expect([second.matched, second.more]).toEqual([2, false]);
    expect(statuses(database).filter((s) => s === 'dead')).toEqual([]);
  });

  it('refuses a bad action, filter or option before writing anything', async () => {
    const database = await leftFile();
    const before = statuses(database);
    const bad: [string, () => Promise<unknown>][] = [
      ['delete', () => bulkJobs(database, 'delete' as never)],
      ['colour', () => bulkJobs(database, 'replay', { colour: 'red' } as never)],
      ['lost', () => bulkJobs(database, 'replay', { status: 'lost' as never })],
      ['0', () => bulkJobs(database, 'replay', {}, { max: 0 })],
      ['speed', () => bulkJobs(database, 'replay', {}, { speed: 1 } as never)],
    ];
    for (const [quoted, call] of bad) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as Error).message).toContain(quoted);
    }
    expect(statuses(database)).toEqual(before);
  });
});

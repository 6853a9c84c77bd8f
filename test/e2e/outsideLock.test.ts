/**
 * An outside connection holding the write lock must not freeze the event loop: commits wait on
 * the writer thread, while timers, HTTP handlers and health probes on the main thread go on.
 * Real time (a real lock held for a while), so it lives beside the other end-to-end tests.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createWarden } from '../../src/index.js';
import { tempDir } from '../helpers.js';

describe('a write lock held by another connection', () => {
  it('delays commits without blocking the event loop', { timeout: 20_000 }, async () => {
    const database = join(tempDir(), 'locked.db');
    const warden = createWarden({ database, synchronous: 'normal' });
    warden.defineJob('task', { run: () => 'ok' });
    await warden.start();
    await warden.waitForJob((await warden.enqueue('task', {})).id);

    const other = new Database(database);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    const holdMs = 1500;
    const ticks: number[] = [];
    const started = performance.now();
    const interval = setInterval(() => ticks.push(performance.now() - started), 20);
    let enqueuedAt: number | undefined;
    const enqueued = warden.enqueue('task', {}).then((job) => {
      enqueuedAt = performance.now() - started;
      return job;
    });
    // A read on the main thread answers at once, beside the stuck write.
    const counts = await warden.countJobs('task');
    expect(counts.succeeded).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    expect(enqueuedAt).toBeUndefined(); // the commit waits for the lock...
    other.exec('COMMIT');
    other.close();
    const job = await enqueued;
    clearInterval(interval);
    // ...while the timers kept firing: no gap near the hold's length.
    const gaps = ticks.slice(1).map((at, i) => at - (ticks[i] ?? 0));
    expect(ticks.length).toBeGreaterThan(holdMs / 20 / 3);
    expect(Math.max(...gaps)).toBeLessThan(holdMs / 3);
    expect(enqueuedAt).toBeGreaterThanOrEqual(holdMs - 50);
    expect((await warden.waitForJob(job.id)).status).toBe('succeeded');
    await warden.stop();
  });
});

describe('a write lock held past the busy timeout', () => {
  it(
    'rolls back whole batches and sends them again in order: every job ends once',
    { timeout: 40_000 },
    async () => {
      const database = join(tempDir(), 'long-lock.db');
      const warden = createWarden({ database, synchronous: 'normal', concurrency: 4 });
      let runs = 0;
      warden.defineJob('task', {
        run: async () => {
          runs++;
          await new Promise((resolve) => setTimeout(resolve, 50));
          return 'ok';
        },
      });
      await warden.start();
      const jobs = await warden.enqueueMany(
        Array.from({ length: 40 }, () => ({ type: 'task', payload: {} })),
      );
      // Let some start, then hold the lock past the writer's 5 s busy timeout.
      await new Promise((resolve) => setTimeout(resolve, 120));
      const other = new Database(database);
      other.pragma('busy_timeout = 0');
      other.exec('BEGIN IMMEDIATE');
      await new Promise((resolve) => setTimeout(resolve, 6_500));
      other.exec('COMMIT');
      other.close();
      const ended = await Promise.all(jobs.map((job) => warden.waitForJob(job.id)));
      expect(ended.map((job) => job.status)).toEqual(jobs.map(() => 'succeeded'));
      expect(runs).toBe(40);
      for (const job of jobs) {
        const events = (await warden.getJobHistory(job.id)).map((entry) => entry.event);
        expect(events).toEqual(['ENQUEUE', 'CLAIM', 'START', 'SUCCEED']);
      }
      expect(warden.health()).toMatchObject({
        running: 0,
        checks: {
          store: { writable: true, pendingMs: 0 },
          supervision: { status: 'healthy', root: 'running' },
        },
      });
      await warden.stop();
    },
  );
});

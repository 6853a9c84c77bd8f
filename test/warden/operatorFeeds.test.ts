import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { NotRunningError, InvalidOptionError } from '../../src/index.js';
import { readSnapshot } from '../../src/persistence/sqlite/snapshots.js';
import { rejection, tempDatabase, testWarden } from '../helpers.js';
import { settle } from '../pools/helpers.js';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Reads the file as another process would: its own read-only connection. */
function readOnly(filename: string): Database.Database {
  return new Database(filename, { readonly: true, fileMustExist: true });
}

describe('what the owner writes for operators', () => {
  it('publishes tree, health, pools, breakers and metrics for other processes, and refreshes them', async () => {
    const database = tempDatabase();
    const { warden, clock } = testWarden({ database, snapshotIntervalMs: 500 });
    warden.breaker('payments');
    warden.pool('conns', { create: () => ({}), destroy: () => undefined, max: 2 });
    await warden.start();
    await settle(clock);
    const db = readOnly(database);
    try {
      const health = readSnapshot(db, 'health');
      expect(health?.body).toMatchObject({ status: 'healthy', lifecycle: 'running' });
      expect(readSnapshot(db, 'tree')?.body).toMatchObject({ id: 'root' });
      expect(readSnapshot(db, 'breakers')?.body).toEqual([
        expect.objectContaining({ name: 'payments', state: 'closed' }),
      ]);
      expect(readSnapshot(db, 'pools')?.body).toEqual([
        expect.objectContaining({
          name: 'conns',
          stats: expect.objectContaining({ state: 'running' }) as unknown,
        }),
      ]);
      const metrics = readSnapshot(db, 'metrics')?.body as { text: string };
      expect(metrics.text).toContain('warden_jobs');
      const first = health?.at ?? 0;
      await clock.advance(500);
      await settle(clock);
      expect(readSnapshot(db, 'health')?.at).toBe(first + 500);

      await warden.stop();
      expect(readSnapshot(db, 'health')?.body).toMatchObject({
        status: 'unhealthy',
        lifecycle: 'stopped',
      });
    } finally {
      db.close();
    }
  });

  it('lists nothing while nothing has failed', async () => {
    const { warden } = testWarden();
    await warden.start();
    expect(await warden.errors()).toEqual([]);
  });

  it('lists failed attempts with their trace, and a pool’s failed creates, newest first', async () => {
    const { warden, clock } = testWarden();
    warden.defineJob('charge', {
      retry: { attempts: 1 },
      run: () => {
        throw new Error('card declined');
      },
    });
    let creates = 0;
    warden.pool('flaky', {
      create: () => {
        creates += 1;
        throw new Error(`create ${creates} refused`);
      },
      destroy: () => undefined,
      min: 1,
    });
    await warden.start();
    const job = await warden.enqueue('charge', {}, { traceparent });
    await warden.waitForJob(job.id);
    await settle(clock);
    const jobErrors = await warden.errors({ source: 'job' });
    expect(jobErrors).toEqual([
      expect.objectContaining({
        subject: job.id,
        jobType: 'charge',
        attempt: 1,
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        error: expect.objectContaining({ message: 'card declined' }) as unknown,
      }),
    ]);
    const poolErrors = await warden.errors({ source: 'pool', subject: 'flaky' });
    expect(poolErrors.length).toBeGreaterThan(0);
    expect(poolErrors[0]).toMatchObject({
      kind: 'create',
      error: { message: expect.stringMatching(/refused/) as unknown },
    });
    expect((await warden.errors({ jobType: 'charge', limit: 1 })).length).toBe(1);
  });

  it('refuses a bad filter with a typed error, and reads only while open', async () => {
    const { warden } = testWarden();
    expect(await rejection(() => warden.errors())).toBeInstanceOf(NotRunningError);
    await warden.start();
    const bad = await rejection(() => warden.errors({ source: 'disk' } as never));
    expect(bad).toBeInstanceOf(InvalidOptionError);
    expect((bad as Error).message).toContain('disk');
    await warden.stop();
    expect(await rejection(() => warden.errors())).toBeInstanceOf(NotRunningError);
  });
});

import { describe, expect, it } from 'vitest';
import { deferred, testWarden } from '../helpers.js';
import { connections, settle } from './helpers.js';

describe('leases taken by a job through ctx', () => {
  async function setup(
    run: Parameters<ReturnType<typeof testWarden>['warden']['defineJob']>[1]['run'],
    extra: { timeoutMs?: number } = {},
  ) {
    const trace: string[] = [];
    const { warden, clock } = testWarden();
    const pool = warden.pool('db', connections(trace, { max: 1 }));
    warden.defineJob('work', { run, retry: { attempts: 1 }, ...extra });
    await warden.start();
    return { warden, clock, pool, trace };
  }

  it('are released when the handler returns without releasing', async () => {
    const { warden, pool } = await setup(async (_p, ctx) => {
      await ctx.acquire('db');
      return 'done';
    });
    const job = await warden.enqueue('work', {});
    expect((await warden.waitForJob(job.id)).status).toBe('succeeded');
    expect(pool.stats).toMatchObject({ leased: 0, idle: 1, destroyed: 0 });
  });

  it('are released when the handler throws', async () => {
    const { warden, pool } = await setup(async (_p, ctx) => {
      await ctx.acquire('db');
      throw new Error('handler failed');
    });
    const job = await warden.enqueue('work', {});
    expect((await warden.waitForJob(job.id)).status).toBe('dead');
    expect(pool.stats).toMatchObject({ leased: 0, idle: 1, destroyed: 0 });
  });

  it('are destroyed when the attempt times out, the handler still holding them', async () => {
    const { warden, pool, clock } = await setup(
      async (_p, ctx) => {
        await ctx.acquire('db');
        await new Promise(() => undefined); // ignores its signal
      },
      { timeoutMs: 1000 },
    );
    const job = await warden.enqueue('work', {});
    await settle(clock);
    expect(pool.stats.leased).toBe(1);
    await clock.advance(1000);
    expect((await warden.waitForJob(job.id)).status).toBe('dead');
    await settle(clock);
    expect(pool.stats).toMatchObject({ leased: 0, destroyed: 1 });
  });

  it('are destroyed when the job is cancelled', async () => {
    const started = deferred();
    const { warden, pool, clock } = await setup(async (_p, ctx) => {
      await ctx.use('db', async () => {
        started.resolve();
        await new Promise(() => undefined);
      });
    });
    const job = await warden.enqueue('work', {});
    await started.promise;
    await warden.cancelJob(job.id);
    await settle(clock);
    expect(pool.stats).toMatchObject({ leased: 0, destroyed: 1 });
  });

  it('are destroyed at shutdown, before the pool is drained', async () => {
    const started = deferred();
    const { warden, pool, clock, trace } = await setup(async (_p, ctx) => {
      await ctx.acquire('db');
      started.resolve();
      await new Promise(() => undefined);
    });
    await warden.enqueue('work', {});
    await started.promise;
    await warden.stop({ graceMs: 0 });
    await settle(clock);
    expect(trace).toEqual(['create 1', 'destroy 1']);
    expect(pool.stats.state).toBe('stopped');
  });

  it('refuses a pool name that was never created', async () => {
    const { warden } = await setup(async (_p, ctx) => {
      await ctx.acquire('nope');
    });
    const job = await warden.enqueue('work', {});
    const done = await warden.waitForJob(job.id);
    expect(done.error).toMatchObject({ code: 'INVALID_OPTION' });
  });
});

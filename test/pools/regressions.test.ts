/** Regressions from the new-user trial of the pools (issue 8), one test each. */
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, PoolClosedError } from '../../src/index.js';
import { deferred, testWarden } from '../helpers.js';
import { connections, settle } from './helpers.js';

/** How long (in fake time, advanced 500 ms at a time) `warden.stop({ graceMs })` takes. */
async function timeToStop(
  warden: ReturnType<typeof testWarden>['warden'],
  clock: ReturnType<typeof testWarden>['clock'],
  graceMs: number,
): Promise<number> {
  const t0 = clock.now();
  let done = false;
  const stopped = warden.stop({ graceMs }).then(() => {
    done = true;
  });
  while (!done) await clock.advance(500);
  await stopped;
  return clock.now() - t0;
}

describe('pool regressions', () => {
  it('brings a dead-lettered pool back with restartActor', async () => {
    const trace: string[] = [];
    let refuse = true;
    const { warden, clock } = testWarden();
    const pool = warden.pool(
      'db',
      connections(trace, {
        min: 1,
        supervision: { maxRestarts: 2, withinMs: 60_000 },
        create: () => {
          if (refuse) throw new Error('refused');
          return { id: trace.push('create'), closed: false };
        },
      }),
    );
    await warden.start();
    for (let i = 0; i < 5; i++) await clock.next();
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    await expect(pool.acquire()).rejects.toThrow("restartActor('pool:db') brings it back");
    refuse = false;
    await warden.restartActor('pool:db');
    await settle(clock);
    expect(pool.stats).toMatchObject({ state: 'running', size: 1 });
    expect((await pool.acquire()).resource.id).toBe(1);
    expect(await warden.deadActors()).toEqual([]);
    await expect(warden.stopActor('pool:db')).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('gives a pool whose creates fail for about 30 s straight up, with the defaults', async () => {
    const { warden, clock } = testWarden();
    const pool = warden.pool('db', {
      min: 1,
      create: () => {
        throw new Error('refused');
      },
    });
    await warden.start();
    const t0 = clock.now();
    while (pool.stats.state === 'running' && clock.now() - t0 < 120_000) await clock.next();
    expect(pool.stats.state).toBe('failed');
    expect(clock.now() - t0).toBeLessThan(40_000);
  });

  it('lets a holder release a lease the pool took back, without an error', async () => {
    let kill: ((error?: Error) => void) | undefined;
    const { warden, clock } = testWarden();
    const pool = warden.pool('db', {
      create: ({ lost }) => {
        kill = lost;
        return { id: 1 };
      },
    });
    await warden.start();
    const lease = await pool.acquire();
    kill?.(new Error('died'));
    expect(lease.signal.aborted).toBe(true);
    expect(() => lease.release()).not.toThrow();
    await settle(clock);
    expect(pool.stats.leased).toBe(0);
  });

  it("aborts a job lease's signal when the attempt's end destroys it", async () => {
    const { warden, clock } = testWarden();
    warden.pool('db', { create: () => ({ id: 1 }) });
    let signal: AbortSignal | undefined;
    warden.defineJob('work', {
      timeoutMs: 100,
      retry: { attempts: 1 },
      run: async (_payload, ctx) => {
        const lease = await ctx.acquire<{ id: number }>('db');
        signal = lease.signal;
        await new Promise(() => undefined);
      },
    });
    await warden.start();
    const job = await warden.enqueue('work', {});
    await settle(clock);
    await clock.advance(100);
    await warden.waitForJob(job.id);
    expect(signal?.aborted).toBe(true);
  });
});

describe('pool regressions from the review', () => {
  it('never has more than max resources alive, recycling after every use', async () => {
    const { warden, clock } = testWarden();
    const alive = new Set<number>();
    let n = 0;
    let peak = 0;
    const pool = warden.pool('db', {
      max: 3,
      maxUses: 1,
      create: () => {
        const id = ++n;
        alive.add(id);
        peak = Math.max(peak, alive.size);
        return id;
      },
      destroy: (id) => {
        alive.delete(id);
      },
    });
    await warden.start();
    for (let i = 0; i < 30; i++) (await pool.acquire()).release();
    await settle(clock);
    await clock.advance(120_000);
    expect(peak).toBeLessThanOrEqual(3);
    expect(alive.size).toBe(pool.stats.size);
    expect(warden.getActorHistory('pool:db/2').then((h) => h.map((r) => r.kind))).resolves.toEqual([
      'started',
      'exited',
    ]);
  });

  it('aborts the holder of a lease when its pool is given up, and lets it release quietly', async () => {
    const { warden, clock } = testWarden();
    let calls = 0;
    const pool = warden.pool('db', {
      max: 2,
      acquireTimeoutMs: 100_000,
      supervision: { maxRestarts: 1, withinMs: 60_000 },
      create: () => {
        if (++calls > 1) throw new Error('db down');
        return 1;
      },
    });
    await warden.start();
    const held = await pool.acquire();
    const second = pool.acquire().catch((error: unknown) => error);
    for (let i = 0; i < 10; i++) await clock.next();
    expect(await second).toBeInstanceOf(PoolClosedError);
    expect(held.signal.aborted).toBe(true);
    expect(() => held.release()).not.toThrow();
  });

  it('takes a resource that died while it was being created as lost', async () => {
    const { warden, clock } = testWarden();
    let n = 0;
    const pool = warden.pool('db', {
      create: ({ lost }) => {
        if (++n === 1) lost(new Error('died on arrival'));
        return n;
      },
    });
    await warden.start();
    const acquired = pool.acquire();
    for (let i = 0; i < 3; i++) await clock.next(); // the dead one is recreated after its backoff
    const lease = await acquired;
    expect(lease.resource).toBe(2);
    expect(pool.stats.errors.broken).toBe(1);
  });

  it('still evicts idle resources that pass their health checks', async () => {
    const { warden, clock } = testWarden();
    const pool = warden.pool('db', {
      create: () => 1,
      validate: () => true,
      idleTimeoutMs: 1000,
      healthCheckIntervalMs: 400,
    });
    await warden.start();
    (await pool.acquire()).release();
    await clock.advance(10_000);
    await settle(clock);
    expect(pool.stats.size).toBe(0);
  });

  it('checks one resource per waiter on borrow, not every idle one', async () => {
    const { warden, clock } = testWarden();
    let n = 0;
    let checks = 0;
    const pool = warden.pool('db', {
      create: () => ++n,
      validateOnBorrow: true,
      validate: async () => {
        checks++;
        await Promise.resolve();
        return true;
      },
    });
    await warden.start();
    for (let i = 0; i < 5; i++) {
      const lease = await pool.acquire();
      await settle(clock);
      lease.release();
      await settle(clock);
    }
    expect({ created: n, checks, size: pool.stats.size }).toEqual({
      created: 1,
      checks: 5,
      size: 1,
    });
  });

  it('aborts a create under way at stop, and destroys what it delivers before stop resolves', async () => {
    const { warden, clock } = testWarden();
    const gate = deferred<string>();
    let signal: AbortSignal | undefined;
    const log: string[] = [];
    warden.pool('db', {
      min: 1,
      create: (ctx) => {
        signal = ctx.signal;
        return gate.promise;
      },
      destroy: (resource) => {
        log.push(`destroy ${resource}`);
      },
    });
    await warden.start();
    await settle(clock);
    const stopped = warden.stop({ graceMs: 0 }).then(() => log.push('stop resolved'));
    await settle(clock);
    expect(signal?.aborted).toBe(true);
    gate.resolve('late');
    await stopped;
    expect(log).toEqual(['destroy late', 'stop resolved']);
  });

  it("aborts use()'s signal when the resource is lost under it, with a caller's signal too", async () => {
    const { warden, clock } = testWarden();
    let kill: ((error?: Error) => void) | undefined;
    const pool = warden.pool('db', {
      create: ({ lost }) => {
        kill = lost;
        return 1;
      },
    });
    await warden.start();
    const seen = deferred<AbortSignal>();
    const gate = deferred();
    const done = pool.use(
      async (_resource, { signal }) => {
        seen.resolve(signal);
        await gate.promise;
      },
      { signal: new AbortController().signal },
    );
    const signal = await seen.promise;
    kill?.(new Error('dropped'));
    await settle(clock);
    expect(signal.aborted).toBe(true);
    gate.resolve();
    await done;
  });

  it('drains every pool at the same time on stop, within graceMs', async () => {
    const { warden, clock } = testWarden();
    const pools = ['a', 'b', 'c'].map((name) => warden.pool(name, { create: () => 1 }));
    await warden.start();
    for (const pool of pools) await pool.acquire(); // never released
    expect(await timeToStop(warden, clock, 1000)).toBeLessThanOrEqual(1500);
  });

  it('resolves two drains called together as soon as the leases are back', async () => {
    const { warden, clock } = testWarden();
    const pool = warden.pool('db', { create: () => 1 });
    await warden.start();
    const lease = await pool.acquire();
    let first = false;
    void pool.drain({ timeoutMs: 10_000 }).then(() => {
      first = true;
    });
    void pool.drain({ timeoutMs: 10_000 });
    await settle(clock);
    lease.release();
    await clock.advance(100);
    await settle(clock);
    expect(first).toBe(true);
  });

  it('makes no resource while draining, even for one lost meanwhile', async () => {
    const { warden, clock } = testWarden();
    const losers: ((error?: Error) => void)[] = [];
    let creates = 0;
    const pool = warden.pool('db', {
      min: 2,
      create: ({ lost }) => {
        creates++;
        losers.push(lost);
        return creates;
      },
    });
    await warden.start();
    await settle(clock);
    const held = await pool.acquire();
    const drained = pool.drain({ timeoutMs: 5000 });
    await settle(clock);
    losers[1]?.(new Error('died'));
    await clock.advance(1000);
    await settle(clock);
    expect(creates).toBe(2);
    held.release();
    await drained; // resolves at once: the lost one's lease was taken back
  });

  it('refuses bad arguments with typed errors', async () => {
    const { warden } = testWarden();
    const { createBrowserPool } = await import('../../src/playwright/index.js');
    expect(() => createBrowserPool(undefined as never, 'b')).toThrow(InvalidOptionError);
    expect(() => warden.pool('a/1', { create: () => 1 })).toThrow('without `/`');
  });
});

describe('pool regressions from the second review', () => {
  it('starts breakers and pools created at any moment of an in-flight start()', async () => {
    for (let ticks = 0; ticks < 12; ticks++) {
      const { warden, clock } = testWarden();
      const starting = warden.start();
      for (let i = 0; i < ticks; i++) await Promise.resolve();
      const breaker = warden.breaker('b');
      const pool = warden.pool('p', { max: 1, create: () => ({}) });
      await starting;
      await settle(clock);
      expect(await breaker.call(async () => 1)).toBe(1);
      const lease = await pool.acquire({ timeoutMs: 1000 });
      lease.release();
      await warden.stop({ graceMs: 0 });
    }
  });

  it('starts a pool created a microtask after start() resolved', async () => {
    for (let ticks = 0; ticks < 4; ticks++) {
      const { warden, clock } = testWarden();
      await warden.start();
      const pool = warden.pool('p', { max: 1, create: () => ({}) });
      for (let i = 0; i < ticks; i++) await Promise.resolve();
      await settle(clock);
      (await pool.acquire({ timeoutMs: 1000 })).release();
      await warden.stop({ graceMs: 0 });
    }
  });

  it("lets warden.stop's graceMs shorten a drain already under way", async () => {
    const { warden, clock } = testWarden();
    const pool = warden.pool('p', { create: () => 1 });
    await warden.start();
    await pool.acquire();
    void pool.drain({ timeoutMs: 60_000 });
    expect(await timeToStop(warden, clock, 1000)).toBeLessThanOrEqual(1500);
  });

  it('forgets a slot waiting out its backoff when the pool drains, and stays closed', async () => {
    const { warden, clock } = testWarden();
    const pool = warden.pool('p', {
      create: () => {
        throw new Error('refused');
      },
    });
    void pool.drain(); // before start: it stays closed
    await warden.start();
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'POOL_CLOSED' });
    const other = warden.pool('q', {
      create: () => {
        throw new Error('refused');
      },
    });
    void other.acquire().catch(() => undefined);
    await settle(clock);
    await other.drain();
    for (let i = 0; i < 3; i++) await clock.next();
    await settle(clock);
    expect(other.stats).toMatchObject({ size: 0, resources: [] });
  });
});

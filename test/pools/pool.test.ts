import { describe, expect, it } from 'vitest';
import {
  InvalidOptionError,
  LeaseEndedError,
  PoolClosedError,
  PoolTimeoutError,
} from '../../src/index.js';
import { deferred, testWarden } from '../helpers.js';
import { connections, settle, slotsOf, type Conn } from './helpers.js';

async function started(options: Parameters<typeof connections>[1] = {}, concurrency = 8) {
  const trace: string[] = [];
  const { warden, clock } = testWarden({ concurrency });
  const pool = warden.pool('db', connections(trace, options));
  await warden.start();
  return { warden, clock, pool, trace };
}

describe('resource pool', () => {
  it('makes resources on demand, reuses the most recently released, and keeps at most max', async () => {
    const { pool, clock, trace } = await started({ max: 2 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect([a.resource.id, b.resource.id]).toEqual([1, 2]);
    const third = pool.acquire();
    await settle(clock);
    expect(pool.stats).toMatchObject({ size: 2, leased: 2, waiting: 1 });
    b.release();
    expect((await third).resource.id).toBe(2);
    a.release();
    expect((await pool.acquire()).resource.id).toBe(1);
    expect(trace).toEqual(['create 1', 'create 2']);
  });

  it('keeps min resources from the start', async () => {
    const { pool, clock, warden } = await started({ min: 2, max: 4 });
    await settle(clock);
    expect(pool.stats).toMatchObject({ size: 2, idle: 2 });
    expect(slotsOf(warden, 'db')).toEqual([
      { id: 'pool:db/1', state: 'running' },
      { id: 'pool:db/2', state: 'running' },
    ]);
  });

  it('times an acquire out with PoolTimeoutError and leaves no waiter behind', async () => {
    const { pool, clock } = await started({ max: 1, acquireTimeoutMs: 500 });
    const held = await pool.acquire();
    const waiting = pool.acquire().catch((error: unknown) => error);
    await clock.advance(500);
    const error = await waiting;
    expect(error).toBeInstanceOf(PoolTimeoutError);
    expect(error).toMatchObject({ code: 'POOL_TIMEOUT', timeoutMs: 500 });
    expect((error as Error).message).toContain('1 of 1 leased');
    expect(pool.stats.waiting).toBe(0);
    held.release();
    expect(pool.stats).toMatchObject({ idle: 1, leased: 0, acquireTimeouts: 1 });
  });

  it('gives up an acquire whose signal aborts, leaving no waiter', async () => {
    const { pool } = await started({ max: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire({ signal: controller.signal });
    controller.abort(new Error('caller gone'));
    await expect(waiting).rejects.toThrow('caller gone');
    expect(pool.stats.waiting).toBe(0);
    held.release();
    expect(pool.stats.idle).toBe(1);
  });

  it('serves waiters by priority, then in arrival order', async () => {
    const { pool } = await started({ max: 1 });
    const held = await pool.acquire();
    const order: string[] = [];
    const waits = [
      ['low', 0],
      ['high', 5],
      ['low2', 0],
      ['high2', 5],
    ].map(async ([name, priority]) => {
      const lease = await pool.acquire({ priority: priority as number });
      order.push(name as string);
      lease.release();
    });
    held.release();
    await Promise.all(waits);
    expect(order).toEqual(['high', 'high2', 'low', 'low2']);
  });

  it('refuses to end a lease twice, keeping the counts right', async () => {
    const { pool } = await started();
    const lease = await pool.acquire();
    lease.release();
    expect(() => lease.release()).toThrow(LeaseEndedError);
    expect(() => lease.destroy()).toThrow('already released');
    const other = await pool.acquire();
    other.destroy();
    expect(() => other.release()).toThrow('already destroyed');
    expect(pool.stats).toMatchObject({ leased: 0 });
  });

  it('releases on every way use() can end', async () => {
    const { pool, clock } = await started({
      max: 1,
      isBroken: (error) => error.message === 'broken',
    });
    expect(await pool.use((conn) => conn.id)).toBe(1);
    await expect(
      pool.use(() => {
        throw new Error('ordinary');
      }),
    ).rejects.toThrow('ordinary');
    const controller = new AbortController();
    const aborted = pool.use(
      (_conn, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason as Error));
        }),
      { signal: controller.signal },
    );
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(pool.stats).toMatchObject({ leased: 0, idle: 1, size: 1 });
    await expect(
      pool.use(() => {
        throw new Error('broken');
      }),
    ).rejects.toThrow('broken');
    await settle(clock);
    expect(pool.stats).toMatchObject({ leased: 0, destroyed: 1, errors: { broken: 1 } });
    expect((await pool.acquire()).resource.id).toBe(2); // replaced
  });

  it('destroys idle resources past idleTimeoutMs, down to min', async () => {
    const { pool, clock, trace } = await started({ min: 1, max: 3, idleTimeoutMs: 1000 });
    const leases = [await pool.acquire(), await pool.acquire(), await pool.acquire()];
    for (const lease of leases) lease.release();
    await clock.advance(999);
    expect(pool.stats.size).toBe(3);
    await clock.advance(1);
    await settle(clock);
    expect(pool.stats.size).toBe(1);
    expect(trace.filter((line) => line.startsWith('destroy'))).toHaveLength(2);
  });

  it('recycles a resource after maxUses leases and after maxAgeMs', async () => {
    const { pool, clock, trace } = await started({ max: 1, maxUses: 2, maxAgeMs: 10_000 });
    const useOnce = (): Promise<number> => pool.use((conn) => conn.id);
    expect([await useOnce(), await useOnce(), await useOnce()]).toEqual([1, 1, 2]);
    await clock.advance(9_999);
    expect(await useOnce()).toBe(2); // its second use: retired on release
    expect(await useOnce()).toBe(3);
    await clock.advance(10_000); // 3 is idle and too old now
    await settle(clock);
    expect(await useOnce()).toBe(4);
    expect(trace.filter((line) => line.startsWith('destroy'))).toEqual([
      'destroy 1',
      'destroy 2',
      'destroy 3',
    ]);
  });

  it('validates on borrow, destroying a resource that fails its check', async () => {
    const bad = new Set<number>([1]);
    const { pool, clock, trace } = await started({
      validate: (conn) => !bad.has(conn.id),
      validateOnBorrow: true,
    });
    const lease = await pool.acquire();
    expect(lease.resource.id).toBe(2);
    await settle(clock);
    expect(trace).toEqual(['create 1', 'destroy 1', 'create 2']);
    expect(pool.stats.errors.validate).toBe(1);
  });

  it('retries a failing create with backoff, never in a tight loop', async () => {
    const attempts: number[] = [];
    let failures = 3;
    const { pool, clock } = await started({
      create: () => {
        attempts.push(clock.now());
        if (failures-- > 0) throw new Error('db down');
        return { id: 9, closed: false };
      },
    });
    const t0 = clock.now();
    const lease = pool.acquire();
    for (let i = 0; i < 10; i++) await clock.next();
    expect((await lease).resource.id).toBe(9);
    // exponential from 100 ms (random 0: no jitter)
    expect(attempts.map((at) => at - t0)).toEqual([0, 100, 300, 700]);
  });

  it('gives the pool up past its restart intensity, and refuses acquires with the last error', async () => {
    const { warden, pool, clock } = await started({
      create: () => {
        throw new Error('db refuses connections');
      },
      supervision: { maxRestarts: 2, withinMs: 60_000 },
      acquireTimeoutMs: 100_000,
    });
    const waiting = pool.acquire().catch((error: unknown) => error);
    for (let i = 0; i < 10; i++) await clock.next();
    const error = await waiting;
    expect(error).toBeInstanceOf(PoolClosedError);
    expect((error as Error).cause).toMatchObject({ message: 'db refuses connections' });
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'POOL_CLOSED' });
    expect((await warden.deadActors()).map((dead) => dead.actorId)).toEqual(['pool:db']);
    // The job runner and the rest go on: degraded, not down.
    expect(warden.health().checks.supervision).toMatchObject({
      status: 'degraded',
      root: 'running',
      deadActors: ['pool:db'],
    });
    expect(warden.health().checks.pools.pools).toEqual([
      expect.objectContaining({ name: 'db', state: 'failed', status: 'degraded' }),
    ]);
  });

  it('refuses bad options with typed errors naming them', () => {
    const { warden } = testWarden();
    expect(() => warden.pool('x', { create: () => 1, mx: 3 } as never)).toThrow(
      'did you mean `max`',
    );
    expect(() => warden.pool('x', { create: () => 1, min: 5, max: 2 })).toThrow(InvalidOptionError);
    expect(() => warden.pool('x', {} as never)).toThrow("pool('x').create");
    expect(() => warden.pool('y')).toThrow(InvalidOptionError);
    const pool = warden.pool('z', { create: () => 1 });
    expect(warden.pool('z')).toBe(pool);
    expect(() => warden.pool('z', { create: () => 1 })).toThrow(InvalidOptionError);
  });

  it('drains: refuses new acquires, waits for leases up to a bound, then destroys everything', async () => {
    const { pool, clock, trace } = await started({ min: 2 });
    await settle(clock);
    const held = await pool.acquire();
    const drained = pool.drain({ timeoutMs: 1000 });
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'POOL_CLOSED' });
    await clock.advance(999);
    expect(held.signal.aborted).toBe(false);
    await clock.advance(1);
    await drained;
    expect(held.signal.aborted).toBe(true);
    expect(trace.filter((line) => line.startsWith('destroy')).sort()).toEqual([
      'destroy 1',
      'destroy 2',
    ]);
    expect(pool.stats).toMatchObject({ state: 'stopped', size: 0 });
  });

  it('replaces a resource that dies on its own', async () => {
    let kill: ((error?: Error) => void) | undefined;
    let next = 0;
    const { pool, clock } = await started({
      min: 1,
      create: ({ lost }) => {
        kill = lost;
        return { id: ++next, closed: false } satisfies Conn;
      },
    });
    await settle(clock);
    const lease = await pool.acquire();
    kill?.(new Error('process killed'));
    expect(lease.signal.aborted).toBe(true);
    for (let i = 0; i < 3; i++) await clock.next();
    await settle(clock);
    expect((await pool.acquire()).resource.id).toBe(2);
  });

  it('bounds a create that hangs, abandoning it', async () => {
    const gate = deferred<Conn>();
    let calls = 0;
    const { pool, clock } = await started({
      createTimeoutMs: 1000,
      create: () => (++calls === 1 ? gate.promise : { id: 2, closed: false }),
    });
    const lease = pool.acquire();
    await clock.advance(1000);
    for (let i = 0; i < 3; i++) await clock.next();
    expect((await lease).resource.id).toBe(2);
    expect(pool.stats).toMatchObject({ abandoned: 1, errors: { create: 1 } });
  });
});

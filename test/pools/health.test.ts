import { describe, expect, it } from 'vitest';
import { deferred, testWarden } from '../helpers.js';
import { connections, settle } from './helpers.js';

describe('pool health and cleanup', () => {
  it('bounds a destroy that hangs: the resource is abandoned, counted, and the pool goes on', async () => {
    const trace: string[] = [];
    const { warden, clock } = testWarden();
    let destroys = 0;
    const pool = warden.pool(
      'db',
      connections(trace, {
        // The first destroy never finishes; the others (at stop) do.
        destroy: () => (++destroys === 1 ? deferred().promise : undefined),
        destroyTimeoutMs: 500,
      }),
    );
    await warden.start();
    (await pool.acquire()).destroy();
    await clock.advance(500);
    await settle(clock);
    expect(pool.stats).toMatchObject({ abandoned: 1, errors: { destroy: 1 }, size: 0 });
    expect((await pool.acquire()).resource.id).toBe(2);
  });

  it('checks idle resources every healthCheckIntervalMs and replaces those that fail, keeping min', async () => {
    const trace: string[] = [];
    const sick = new Set<number>();
    const { warden, clock } = testWarden();
    const pool = warden.pool(
      'db',
      connections(trace, {
        min: 2,
        healthCheckIntervalMs: 10_000,
        validate: (conn) => !sick.has(conn.id),
      }),
    );
    await warden.start();
    await settle(clock);
    sick.add(1);
    await clock.advance(10_000);
    await settle(clock);
    expect(trace).toEqual(['create 1', 'create 2', 'destroy 1', 'create 3']);
    expect(pool.stats).toMatchObject({ size: 2, min: 2, idle: 2, errors: { validate: 1 } });
  });

  it('reports degraded while saturated with waiters, and after creates keep failing', async () => {
    const trace: string[] = [];
    let failing = false;
    const { warden, clock } = testWarden();
    const pool = warden.pool(
      'db',
      connections(trace, {
        max: 2,
        saturation: 1,
        create: () => {
          if (failing) throw new Error('refused');
          return { id: trace.push('create'), closed: false };
        },
      }),
    );
    await warden.start();
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(pool.stats).toMatchObject({ utilisation: 1, degraded: false });
    const waiting = pool.acquire();
    await settle(clock);
    expect(pool.stats).toMatchObject({ waiting: 1, degraded: true });
    a.release();
    await waiting;
    expect(pool.stats.degraded).toBe(false);
    failing = true;
    b.destroy();
    (await waiting).destroy();
    const next = pool.acquire().catch(() => undefined);
    for (let i = 0; i < 4; i++) await clock.next();
    expect(pool.stats.consecutiveCreateFailures).toBeGreaterThanOrEqual(3);
    expect(pool.stats.degraded).toBe(true);
    failing = false;
    for (let i = 0; i < 3; i++) await clock.next();
    await next;
    expect(pool.stats.degraded).toBe(false);
  });

  it('destroys every resource on stop, newest first, after the job runner stopped', async () => {
    const trace: string[] = [];
    const { warden, clock } = testWarden();
    warden.pool('db', connections(trace, { min: 3 }));
    await warden.start();
    await settle(clock);
    await warden.stop({ graceMs: 0 });
    expect(trace).toEqual([
      'create 1',
      'create 2',
      'create 3',
      'destroy 3',
      'destroy 2',
      'destroy 1',
    ]);
  });
});

import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import {
  healthCheckNames,
  supervisor,
  type EventLoopReading,
  type Health,
  type EventLoopSampler,
  type HealthOptions,
  type WardenOptions,
} from '../../src/index.js';
import { deferred, tempDatabase, testWarden } from '../helpers.js';
import { controlled } from '../supervisor/fixtures.js';

/** An event-loop sampler whose reading the test sets: the real delay is not these tests' business. */
function setSampler() {
  const state: { reading: EventLoopReading } = { reading: { p99Ms: 0, maxMs: 0, samples: 0 } };
  const sampler: EventLoopSampler = {
    start() {},
    stop() {},
    read: () => state.reading,
    reset() {
      state.reading = { p99Ms: 0, maxMs: 0, samples: 0 };
    },
  };
  return { sampler, state };
}

/** A started Warden with a `work` job type whose runs wait for their gate. */
async function started(options: WardenOptions = {}, health: HealthOptions = {}) {
  const loop = setSampler();
  const fatal = vi.fn<(error: Error) => void>();
  const { warden, clock } = testWarden({
    onFatal: fatal,
    ...options,
    health: { ...health, eventLoop: { ...health.eventLoop, sampler: loop.sampler } },
  });
  const gates: ReturnType<typeof deferred<string>>[] = [];
  warden.defineJob('work', {
    run: () => {
      const gate = deferred<string>();
      gates.push(gate);
      return gate.promise;
    },
  });
  warden.defineJob('doomed', {
    retry: { attempts: 1 },
    run: () => Promise.reject(new Error('doomed')),
  });
  await warden.start();
  return { warden, clock, fatal, gates, loop };
}

/** Each check's status, by name. */
function statuses(health: Health): Record<string, string> {
  return Object.fromEntries(healthCheckNames.map((name) => [name, health.checks[name].status]));
}

const allHealthy = {
  store: 'healthy',
  supervision: 'healthy',
  breakers: 'healthy',
  pools: 'healthy',
  deadLetters: 'healthy',
  stalls: 'healthy',
  eventLoop: 'healthy',
};

describe('health()', () => {
  it('is healthy with every check healthy, in plain JSON', async () => {
    const { warden } = await started();
    const health = warden.health();
    expect(health).toMatchObject({ status: 'healthy', lifecycle: 'running', running: 0 });
    expect(statuses(health)).toEqual(allHealthy);
    expect(health.error).toBeUndefined();
    expect(JSON.parse(JSON.stringify(health))).toEqual(health);
  });

  // Issue 10: health stayed healthy with supervisor 'failing' until a running job finished.
  it('is unhealthy the moment the root gives up, while a running job still holds it, before onFatal', async () => {
    const { warden, clock, fatal, gates } = await started({
      supervision: { maxRestarts: 0, withinMs: 1000 },
    });
    await warden.enqueue('work', {});
    await clock.settle();
    const app = controlled('app', { onExhausted: 'escalate' });
    await warden.supervise(app.spec);
    app.current.crash();
    await clock.settle();

    expect(fatal).not.toHaveBeenCalled();
    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      lifecycle: 'running',
      running: 1,
      checks: { supervision: { status: 'unhealthy', root: 'failing' } },
      error: { code: 'ESCALATED' },
    });

    gates[0]?.resolve('done');
    await clock.settle();
    expect(fatal).toHaveBeenCalledTimes(1);
    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      checks: { supervision: { root: 'failed' } },
      error: { code: 'ESCALATED' },
    });
  });

  it('is degraded by an escalation below the root for the window, and by dead actors until revived', async () => {
    const { warden, clock } = await started({}, { supervision: { windowMs: 60_000 } });
    const w = controlled('w');
    await warden.supervise(supervisor({ id: 'app', maxRestarts: 0, children: [w.spec] }));
    w.current.crash();
    await clock.settle();
    expect(warden.health()).toMatchObject({
      status: 'degraded',
      checks: {
        supervision: { status: 'degraded', root: 'running', escalations: 1, deadActors: ['app'] },
      },
    });

    await warden.restartActor('app');
    expect(warden.health().checks.supervision).toMatchObject({ escalations: 1, deadActors: [] });
    await clock.advance(60_000);
    expect(warden.health().checks.supervision).toMatchObject({
      status: 'healthy',
      escalations: 0,
    });
    expect(warden.health().status).toBe('healthy');
  });

  it('is unhealthy while group commits fail, and healthy again once one commits', async () => {
    const database = tempDatabase();
    const { warden, clock, gates } = await started({ database });
    await warden.enqueue('work', {});
    await clock.settle();
    const db = new Database(database);
    db.exec(`CREATE TRIGGER refuse BEFORE UPDATE ON jobs BEGIN SELECT RAISE(ABORT, 'full'); END;`);
    gates[0]?.resolve('done');
    await clock.settle();

    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      checks: { store: { status: 'unhealthy', writable: false, failedCommits: 1 } },
      error: { code: 'DATABASE_WRITE_FAILED' },
    });
    db.exec('DROP TRIGGER refuse');
    db.close();
    await clock.advance(100);
    expect(warden.health()).toMatchObject({
      status: 'healthy',
      checks: { store: { status: 'healthy', writable: true, failedCommits: 0 } },
    });
    expect(warden.health().error).toBeUndefined();
  });

  it('grades commit latency: a commit held by an outside lock degrades, then makes unhealthy', async () => {
    const database = tempDatabase();
    const { warden, clock } = await started({ database }, { store: { windowMs: 60_000 } });
    // The manual clock moves only when told; `skew` moves what Warden reads while a commit waits.
    let skew = 0;
    const now = clock.now.bind(clock);
    clock.now = () => now() + skew;
    const other = new Database(database);
    other.exec('BEGIN IMMEDIATE');
    const enqueued = warden.enqueue('work', {});
    for (let i = 0; i < 100 && warden.health().checks.store.pendingCommits === 0; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(warden.health().checks.store.pendingCommits).toBe(1);
    skew = 300;
    expect(warden.health().checks.store).toMatchObject({ status: 'degraded', pendingMs: 300 });
    skew = 6000;
    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      checks: { store: { status: 'unhealthy', writable: true, pendingMs: 6000 } },
    });
    other.exec('COMMIT');
    other.close();
    await enqueued;
    expect(warden.health().checks.store).toMatchObject({
      status: 'unhealthy',
      commitMaxMs: 6000,
      pendingCommits: 0,
    });
    // Once the slow commit has left the window, fast ones are healthy.
    await clock.advance(60_000);
    await warden.enqueue('work', {});
    expect(warden.health().checks.store).toMatchObject({ status: 'healthy', commitMaxMs: 0 });
  });

  it('is degraded while a breaker refuses calls, naming it', async () => {
    const { warden } = await started();
    const smtp = warden.breaker('smtp');
    warden.breaker('s3');
    smtp.isolate();
    expect(warden.health()).toMatchObject({
      status: 'degraded',
      checks: { breakers: { status: 'degraded', open: [], isolated: ['smtp'], halfOpen: [] } },
    });
    expect(warden.health().checks.breakers.message).toBe('refusing calls: smtp (isolated)');
    smtp.reset();
    expect(warden.health().checks.breakers).toMatchObject({ status: 'healthy', isolated: [] });
  });

  it('grades pools: saturated is degraded; creates failing in a row, degraded then unhealthy', async () => {
    let failing = false;
    let made = 0;
    const { warden, clock } = await started(
      {},
      { pools: { degradedCreateFailures: 1, unhealthyCreateFailures: 2 } },
    );
    const pool = warden.pool('db', {
      max: 1,
      saturation: 1,
      create: () => {
        if (failing) throw new Error('refused');
        return { id: ++made };
      },
      destroy: () => undefined,
    });
    const lease = await pool.acquire();
    const waiting = pool.acquire();
    await clock.settle();
    expect(warden.health().checks.pools).toMatchObject({
      status: 'degraded',
      pools: [{ name: 'db', status: 'degraded', saturated: true, waiting: 1, utilisation: 1 }],
    });
    lease.release();
    failing = true;
    (await waiting).destroy();
    const next = pool.acquire().catch(() => undefined);
    await clock.settle();
    expect(warden.health().checks.pools.pools[0]).toMatchObject({
      status: 'degraded',
      consecutiveCreateFailures: 1,
    });
    await clock.next();
    await clock.settle();
    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      checks: { pools: { pools: [{ status: 'unhealthy', consecutiveCreateFailures: 2 }] } },
    });
    failing = false;
    for (let i = 0; i < 5 && pool.stats.consecutiveCreateFailures > 0; i++) await clock.next();
    await next;
    expect(warden.health().checks.pools.status).toBe('healthy');
  });

  it('is degraded by a dead-lettered job for the window, unless that threshold is off', async () => {
    const { warden, clock } = await started({}, { deadLetters: { windowMs: 1000 } });
    const job = await warden.enqueue('doomed', {});
    await warden.waitForJob(job.id);
    expect(warden.health()).toMatchObject({
      status: 'degraded',
      checks: { deadLetters: { status: 'degraded', recent: 1, total: 1, windowMs: 1000 } },
    });
    await clock.advance(1000);
    expect(warden.health().checks.deadLetters).toMatchObject({
      status: 'healthy',
      recent: 0,
      total: 1,
    });

    const off = await started({}, { deadLetters: { degradedCount: null } });
    await off.warden.waitForJob((await off.warden.enqueue('doomed', {})).id);
    expect(off.warden.health().checks.deadLetters).toMatchObject({ status: 'healthy', recent: 1 });
  });

  it('is degraded after jobs a dead process left running are found stalled', async () => {
    const database = tempDatabase();
    const first = await started({ database });
    await first.warden.enqueue('work', {});
    await first.clock.settle();
    // Stopped without grace: the row stays running, as if the process had died.
    await first.warden.stop({ graceMs: 0 });

    const second = await started({ database, clock: first.clock }, { stalls: { windowMs: 5000 } });
    await second.clock.settle();
    expect(second.warden.health()).toMatchObject({
      status: 'degraded',
      checks: { stalls: { status: 'degraded', recent: 1, total: 1 } },
    });
    await second.clock.advance(5000);
    expect(second.warden.health().checks.stalls).toMatchObject({ status: 'healthy', recent: 0 });
  });

  it('grades the event-loop delay by its p99 over this window and the one before', async () => {
    const { warden, clock, loop } = await started({}, { eventLoop: { windowMs: 10_000 } });
    loop.state.reading = { p99Ms: 250, maxMs: 400, samples: 500 };
    expect(warden.health()).toMatchObject({
      status: 'degraded',
      checks: { eventLoop: { status: 'degraded', lagP99Ms: 250, lagMaxMs: 400, samples: 500 } },
    });
    loop.state.reading = { p99Ms: 1500, maxMs: 2000, samples: 500 };
    expect(warden.health().checks.eventLoop.status).toBe('unhealthy');
    expect(warden.health().status).toBe('unhealthy');
    await clock.advance(10_000);
    // The window just ended, and the next one: the spike is in the one before.
    expect(warden.health().checks.eventLoop.status).toBe('unhealthy');
    await clock.advance(10_000);
    expect(warden.health().checks.eventLoop.status).toBe('unhealthy');
    await clock.advance(10_000);
    expect(warden.health().checks.eventLoop).toMatchObject({ status: 'healthy', lagP99Ms: 0 });
  });

  it('is unhealthy whenever Warden is not running', async () => {
    const { warden } = await started();
    await warden.stop();
    expect(warden.health()).toMatchObject({ status: 'unhealthy', lifecycle: 'stopped' });
    expect(statuses(warden.health())).toEqual(allHealthy);
  });
});

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/dashboard.js';
import {
  MonitorSampler,
  monitorQueries,
  monitorSampleMs,
  type MonitorReport,
} from '../../src/dashboard/monitor.js';
import { deferred, tempDatabase, testWarden } from '../helpers.js';
import { settle } from '../pools/helpers.js';

const dashboards: Dashboard[] = [];
const connections: Database.Database[] = [];
const releases: (() => void)[] = [];
afterEach(async () => {
  for (const release of releases.splice(0)) release();
  for (const db of connections.splice(0)) db.close();
  for (const dashboard of dashboards.splice(0)) await dashboard.close();
});

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

async function monitor(url: string): Promise<{ status: number; body: MonitorReport }> {
  const { status, body } = await get(url);
  return { status, body: body as MonitorReport };
}

/**
 * A Warden owning a file, a dashboard over it on the same manual clock: three quick jobs, one
 * that runs 250 ms, one that fails for good, three queued jobs of a paused type at two
 * priorities, and a pool of max 2 with one lease out.
 */
async function monitoredFile() {
  const database = tempDatabase();
  const { warden, clock } = testWarden({ database, snapshotIntervalMs: 100 });
  const gate = deferred();
  warden.defineJob('quick', { run: () => undefined });
  warden.defineJob('slow', { run: () => gate.promise });
  warden.defineJob('charge', {
    run: () => {
      throw new Error('card declined');
    },
  });
  warden.defineJob('later', { run: () => undefined });
  const pool = warden.pool('db', { create: () => ({}), destroy: () => undefined, min: 1, max: 2 });
  await warden.start();
  await warden.pauseJobType('later');
  const dashboard = createDashboard({ database, clock, pollMs: 50 });
  dashboards.push(dashboard);
  const base = await dashboard.listen();
  const start = clock.now();
  return { database, warden, clock, gate, pool, base, start };
}

describe('api/monitor', () => {
  it('gives the processing rate, error rate, queue depth, durations, pool utilisation and top failures', async () => {
    const { warden, clock, gate, pool, base, start } = await monitoredFile();
    // The first request opens the file and takes the first sample: no rate yet.
    const first = await monitor(`${base}/api/monitor`);
    expect(first.status).toBe(200);
    expect(first.body.processing).toEqual([]);
    expect(first.body.pools.samples).toHaveLength(1);

    for (let i = 0; i < 3; i++) await warden.waitForJob((await warden.enqueue('quick', {})).id);
    const slow = await warden.enqueue('slow', {});
    await settle(clock);
    await clock.advance(250);
    gate.resolve();
    await warden.waitForJob(slow.id);
    await warden.waitForJob((await warden.enqueue('charge', {}, { attempts: 1 })).id);
    await warden.enqueue('later', {}, { priority: 5 });
    await warden.enqueue('later', {}, { priority: 5 });
    await warden.enqueue('later', {}, { priority: 1 });
    const lease = await pool.acquire();
    releases.push(() => lease.release());
    // The owner publishes its pools snapshot; the sampler's tick comes at start + 5 s.
    await settle(clock);
    await clock.advance(start + monitorSampleMs - clock.now());
    await settle(clock);

    const { status, body } = await monitor(`${base}/api/monitor`);
    expect(status).toBe(200);
    // 5 jobs finished (3 quick, slow, charge dead) in 5 s: 60 a minute.
    expect(body.processing).toEqual([{ at: start + monitorSampleMs, perMinute: 60 }]);
    expect(body.errors.perMinute).toHaveLength(60);
    expect(body.errors.perMinute.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(1);
    expect(body.errors.perMinute[59]?.count).toBe(1);
    expect(body.errors.capped).toBe(false);
    expect(body.queueDepth).toEqual([
      { priority: 5, count: 2 },
      { priority: 1, count: 1 },
    ]);
    expect(body.durations).toContainEqual({ type: 'quick', avgMs: 0, count: 3 });
    expect(body.durations).toContainEqual({ type: 'slow', avgMs: 250, count: 1 });
    expect(body.pools.names).toEqual(['db']);
    expect(body.pools.samples).toHaveLength(2);
    expect(body.pools.samples[1]?.utilisation).toEqual({ db: 0.5 });
    expect(body.failures).toEqual([
      expect.objectContaining({ message: 'card declined', count: 1 }),
    ]);
  });

  it('refuses query parameters with a 400', async () => {
    const { base } = await monitoredFile();
    const { status, body } = await monitor(`${base}/api/monitor?window=1h`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 'INVALID_OPTION' } });
  });

  it('reads by index or a bounded rowid range: never a scan of jobs or error_events', async () => {
    const { database } = await monitoredFile();
    const db = new Database(database, { readonly: true });
    connections.push(db);
    const plans: Record<string, string[]> = {};
    for (const [name, sql] of Object.entries(monitorQueries)) {
      const holes = (sql.match(/\?/g) ?? []).length;
      plans[name] = db
        .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...Array<number>(holes).fill(0))
        .map((row) => row.detail);
    }
    for (const details of Object.values(plans)) {
      for (const detail of details) expect(detail).not.toMatch(/^SCAN (jobs|error_events)\b/);
    }
    expect(plans['errors']).toContain(
      'SEARCH error_events USING COVERING INDEX error_events_at (at>?)',
    );
    expect(plans['durations']).toContain('SEARCH jobs USING INTEGER PRIMARY KEY (rowid>?)');
    expect(plans['failures']).toContain('SEARCH error_events USING INTEGER PRIMARY KEY (rowid>?)');
  });
});

describe('MonitorSampler', () => {
  it('samples on the clock into a bounded ring, only once the file is open, and stops', async () => {
    const { database } = await monitoredFile();
    const db = new Database(database, { readonly: true });
    connections.push(db);
    const clock = createManualClock(1_000);
    const file: { db?: Database.Database } = {};
    const sampler = new MonitorSampler(clock, () => file.db, 1_000, 3);
    sampler.start();
    sampler.start(); // a second start does nothing
    expect(clock.pending()).toBe(1);
    await clock.advance(2_000);
    expect(sampler.samples()).toEqual([]); // not open yet: nothing read
    file.db = db;
    await clock.advance(5_000);
    expect(sampler.samples().map((sample) => sample.at)).toEqual([6_000, 7_000, 8_000]);
    sampler.stop();
    expect(clock.pending()).toBe(0);
    await clock.advance(5_000);
    expect(sampler.samples()).toHaveLength(3);
  });

  it('stops with the dashboard', async () => {
    const { database } = await monitoredFile();
    const clock = createManualClock(1_000);
    const dashboard = createDashboard({ database, clock });
    expect(clock.pending()).toBe(1);
    await dashboard.close();
    expect(clock.pending()).toBe(0);
  });
});

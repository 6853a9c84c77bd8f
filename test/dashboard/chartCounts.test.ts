import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { TreeNode } from '../../src/index.js';
import { chartCounts, chartList, machineChart } from '../../src/dashboard/chartCounts.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/dashboard.js';
import { callTimes, down } from '../breakers/helpers.js';
import { crashyTree, feedsTree } from './helpers.js';
import { deferred, invalidOption, tempDatabase, testWarden } from '../helpers.js';
import { settle } from '../pools/helpers.js';

const connections: Database.Database[] = [];
const dashboards: Dashboard[] = [];
/** What lets each test's Warden stop: its held job, lease and actor let go. */
const releases: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const release of releases.splice(0)) await release();
  for (const db of connections.splice(0)) db.close();
  for (const dashboard of dashboards.splice(0)) await dashboard.close();
});

/** The file as a dashboard in another process reads it: its own read-only connection. */
function readOnly(database: string): Database.Database {
  const db = new Database(database, { readonly: true, fileMustExist: true });
  connections.push(db);
  return db;
}

/** How many nodes of `kind` the tree holds in each state. */
function tally(node: TreeNode, kind: TreeNode['kind'], into: Record<string, number> = {}) {
  if (node.kind === kind) into[node.state] = (into[node.state] ?? 0) + 1;
  for (const child of node.children ?? []) tally(child, kind, into);
  return into;
}

/**
 * A Warden owning a file, with a job held running and one succeeded, a breaker open and one
 * isolated, a pool of two slots (one leased) and a tree of its own; its snapshots published.
 */
async function livingFile() {
  const database = tempDatabase();
  const { warden, clock } = testWarden({ database, snapshotIntervalMs: 100 });
  const gate = deferred();
  warden.defineJob('held', { run: () => gate.promise });
  warden.defineJob('quick', { run: () => undefined });
  const pricing = warden.breaker('pricing', { consecutiveFailures: 1, openMs: 60_000 });
  const search = warden.breaker('search');
  warden.breaker('ledger'); // never changes: no row in `breakers`, only in the snapshot
  const pool = warden.pool('db', { create: () => ({}), destroy: () => undefined, min: 2, max: 3 });
  const stopped = deferred();
  await warden.supervise(feedsTree(stopped.promise));
  await warden.supervise(crashyTree());
  await warden.start();
  const job = await warden.enqueue('held', {});
  const quick = await warden.enqueue('quick', {});
  await warden.waitForJob(quick.id);
  await callTimes(pricing, 1, down);
  search.isolate();
  const lease = await pool.acquire();
  let held = true;
  const letGo = () => {
    gate.resolve();
    stopped.resolve();
    if (held) lease.release();
    held = false;
  };
  releases.push(letGo);
  const publish = async () => {
    await settle(clock);
    await clock.advance(100);
    await settle(clock);
  };
  await publish();
  return { database, warden, job, letGo, publish };
}

describe('live counts per state of the built-in machines', () => {
  it('counts jobs from job_counts, actors and supervisors from the tree, slots from the pools, breakers from their table', async () => {
    const { database, warden, job: held, letGo, publish } = await livingFile();
    const db = readOnly(database);

    const job = chartCounts(db, 'job');
    expect(job).toMatchObject({ name: 'job', source: 'job_counts', at: null });
    expect(job.counts).toEqual({
      scheduled: 0,
      queued: 0,
      claimed: 0,
      running: 1,
      retrying: 0,
      succeeded: 1,
      cancelled: 0,
      dead: 0,
    });
    // `running` is a cluster around `attempt` and `fallback`, which job_counts does not tell apart.
    expect(job.states).toContainEqual({
      state: 'running',
      title: 'cluster_running',
      label: 'running',
      cluster: true,
    });
    expect(job.states).toContainEqual({
      state: 'running.attempt',
      title: 'running_attempt',
      label: 'attempt',
      cluster: false,
    });
    expect(job.counts).not.toHaveProperty('new');

    const breaker = chartCounts(db, 'breaker');
    // From the table, and from the snapshot for `ledger`, which has no row.
    expect(breaker).toMatchObject({ source: 'breakers', at: expect.any(Number) as unknown });
    expect(breaker.counts).toEqual({
      restoring: 0,
      closed: 1,
      open: 1,
      'half-open': 0,
      isolated: 1,
    });
    expect(breaker.states).toContainEqual({
      state: 'half-open',
      title: 'half_open',
      label: 'half-open',
      cluster: false,
    });

    const slot = chartCounts(db, 'slot');
    expect(slot.source).toBe('pools');
    expect(slot.at).toEqual(expect.any(Number));
    expect(slot.counts).toEqual({
      creating: 0,
      idle: 1,
      validating: 0,
      leased: 1,
      retiring: 0,
      destroying: 0,
    });

    const tree = warden.tree();
    const actor = chartCounts(db, 'actor');
    expect(actor.source).toBe('tree');
    // jobs, the three breakers, both slots and `socket`.
    // And `boom`, which exited when its tree was dead-lettered.
    expect(actor.counts).toMatchObject({ running: 7, exited: 1, dead: 0, restarting: 0 });
    expect(actor.counts).toMatchObject(tally(tree, 'worker'));
    const supervisors = chartCounts(db, 'supervisor');
    // root, breakers, pools, pool:db and feeds running; crashy dead-lettered.
    expect(supervisors.counts).toMatchObject({ running: 5, dead: 1, failed: 0 });
    expect(supervisors.counts).toMatchObject(tally(tree, 'supervisor'));

    // Live: the counts follow the owner.
    letGo();
    await warden.waitForJob(held.id);
    await publish();
    expect(chartCounts(db, 'job').counts).toMatchObject({ running: 0, succeeded: 2 });
    expect(chartCounts(db, 'slot').counts).toMatchObject({ idle: 2, leased: 0 });
    // `socket` exited normally and, permanent, was restarted.
    expect(chartCounts(db, 'actor').counts).toMatchObject(tally(warden.tree(), 'worker'));
  });

  it('lists every machine with its counts, and draws one with its DOT once', async () => {
    const { database } = await livingFile();
    const db = readOnly(database);
    const list = chartList(db, new URLSearchParams('token=x'));
    expect(list.machines.map((m) => m.name)).toEqual([
      'job',
      'slot',
      'breaker',
      'supervisor',
      'actor',
    ]);
    expect(list.machines[0]).not.toHaveProperty('dot');
    const job = machineChart(db, 'job', new URLSearchParams());
    expect(job.dot).toContain('digraph "job"');
    expect(job.dot).toContain('subgraph "cluster_running"');
    for (const { title, cluster } of job.states) {
      expect(job.dot).toContain(cluster ? `subgraph "${title}"` : `"${title}" [`);
    }
    expect(machineChart(db, 'job', new URLSearchParams()).dot).toBe(job.dot);
    // The name comes from the path still encoded.
    expect(machineChart(db, '%62reaker', new URLSearchParams()).name).toBe('breaker');
  });

  it('refuses an unknown machine, a malformed name and any query parameter', async () => {
    const { database } = await livingFile();
    const db = readOnly(database);
    const none = new URLSearchParams();
    expect(invalidOption(() => machineChart(db, 'nope', none))).toContain(
      '`job`, `slot`, `breaker`, `supervisor`, `actor`',
    );
    expect(invalidOption(() => machineChart(db, 'nope', none))).toContain('nope');
    expect(invalidOption(() => machineChart(db, '%E0', none))).toContain('%E0');
    expect(invalidOption(() => machineChart(db, 'job', new URLSearchParams('x=1')))).toContain('x');
    expect(invalidOption(() => chartList(db, new URLSearchParams('limit=1')))).toContain('limit');
  });

  it('counts nothing from snapshots an owner never published', async () => {
    const { database, warden, letGo } = await livingFile();
    letGo();
    await warden.stop();
    const writer = new Database(database);
    writer.exec('DELETE FROM runtime_snapshots');
    writer.close();
    const db = readOnly(database);
    expect(chartCounts(db, 'actor')).toMatchObject({ at: null, counts: { running: 0 } });
    expect(chartCounts(db, 'slot')).toMatchObject({ at: null, counts: { idle: 0 } });
    // The table still holds the breakers that changed.
    expect(chartCounts(db, 'breaker')).toMatchObject({
      at: null,
      counts: { closed: 0, open: 1, isolated: 1 },
    });
  });
});

describe('the charts API', () => {
  it('answers api/charts and api/charts/:name, and 400 for an unknown machine', async () => {
    const { database } = await livingFile();
    const dashboard = createDashboard({ database });
    dashboards.push(dashboard);
    const base = await dashboard.listen();
    const list = (await (await fetch(`${base}/api/charts`)).json()) as {
      machines: { name: string }[];
    };
    expect(list.machines).toHaveLength(5);
    const job = await fetch(`${base}/api/charts/job`);
    expect(job.status).toBe(200);
    expect(await job.json()).toMatchObject({ name: 'job', counts: { running: 1 } });
    const unknown = await fetch(`${base}/api/charts/nope`);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: { code: 'INVALID_OPTION', name: 'InvalidOptionError' },
    });
    const tree = (await (await fetch(`${base}/api/tree`)).json()) as { body: TreeNode };
    expect(tree.body).toMatchObject({ id: 'root', kind: 'supervisor' });
  });
});

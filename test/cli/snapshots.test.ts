/**
 * The subcommands that read the live owner's published snapshots — `health`, `pools`,
 * `actors list`, `metrics` — with the owner row and the snapshots written as a live owner leaves
 * them (bodies taken from a real Warden), and the fallbacks when no live owner stands behind them.
 */
import { withLiveBreakers } from '../../src/cli/commands/breakers.js';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createManualClock,
  createWarden,
  type Health,
  type TreeNode,
  type Warden,
} from '../../src/index.js';
import { healthExitCode } from '../../src/cli/commands/health.js';
import { mergeExpositions } from '../../src/cli/commands/metrics.js';
import { testWarden } from '../helpers.js';
import { cli, fileScratch, preparedDatabase, t0 } from './helpers.js';
import { clearOwner, clearSnapshots, writeOwner, writeSnapshot } from './snapshotRows.js';

const scratch = fileScratch();
let database: string;
let live: Warden;
let health: Health;
let tree: TreeNode;
let pools: { name: string; stats: unknown }[];
let ownerMetrics: string;

beforeAll(async () => {
  database = await preparedDatabase(scratch, 'snapshots.db');
  ({ warden: live } = testWarden());
  const pool = live.pool('renderers', { create: () => ({}), min: 1, max: 2 });
  await live.start();
  health = live.health();
  tree = live.tree();
  pools = [{ name: 'renderers', stats: pool.stats }];
  ownerMetrics = await live.metrics();
});
afterAll(() => live.stop());

const run = (...args: string[]) => cli([...args, '--database', database]);

/** A live owner, started at t0 - 10 s, whose snapshots were written 500 ms before the CLI's now. */
function publish(name: string, body: unknown, at = t0 - 500): void {
  writeOwner(database, { startedAt: t0 - 10_000, heartbeatAt: t0 - 500 });
  writeSnapshot(database, name, body, at);
}

describe('warden health', () => {
  it('exits 0 when healthy, 3 when unhealthy, 4 when degraded only with --strict', async () => {
    publish('health', health);
    const healthy = await run('health');
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/^status: +healthy\nlifecycle: +running\n/);
    expect(healthy.stdout).toMatch(/\nCHECK +STATUS +WHY\nstore +healthy +\S/);
    expect(healthy.stdout).toContain('\neventLoop ');

    publish('health', { ...health, status: 'degraded' });
    expect((await run('health')).code).toBe(0);
    expect((await run('health', '--strict')).code).toBe(4);

    const error = { name: 'SupervisorGaveUp', code: 'ESCALATED', message: 'root gave up' };
    publish('health', { ...health, status: 'unhealthy', error });
    const unhealthy = await run('health');
    expect(unhealthy.code).toBe(3);
    expect(unhealthy.stdout).toContain('error: ');
    expect(unhealthy.stdout).toContain('ESCALATED: root gave up');
    expect(healthExitCode('healthy', true)).toBe(0);
  });

  it('prints the snapshot as JSON with where it came from', async () => {
    publish('health', health);
    const { code, stdout } = await run('health', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      live: true,
      at: t0 - 500,
      ageMs: 500,
      owner: { pid: process.pid, token: 'test-owner' },
      health: { status: 'healthy', lifecycle: 'running' },
    });
  });

  it('exits 5 with the last known state when the snapshot is too old or its owner gone', async () => {
    publish('health', health, t0 - 6000);
    const old = await run('health');
    expect(old.code).toBe(5);
    expect(old.stdout).toMatch(
      /^no live state: the `health` snapshot is 6\.0 s old \(more than --max-age 5000 ms\); the owner may be hung\n\nlast known state, published 2023-11-14 22:13:14 UTC, 6\.0 s ago:\nstatus: +healthy\n/,
    );
    expect((await run('health', '--max-age', '10000')).code).toBe(0);

    publish('health', health);
    writeSnapshot(database, 'health', health, t0, 'an-earlier-owner');
    expect((await run('health', '--max-age', '60000')).stdout).toMatch(
      /^no live state: the `health` snapshot was written by an earlier owner\n/,
    );

    writeOwner(database, { startedAt: t0 - 200_000, heartbeatAt: t0 - 100_000 });
    expect((await run('health')).stdout).toMatch(
      /^no live owner: last owned by .*, which is gone\n/,
    );

    clearOwner(database);
    const gone = await run('health', '--json');
    expect(gone.code).toBe(5);
    expect(JSON.parse(gone.stdout)).toMatchObject({
      live: false,
      owner: null,
      note: 'no live owner: no Warden owns the file',
      health: { status: 'healthy' },
    });
  });

  it('exits 5 and says so when no health was ever published', async () => {
    const dir = await preparedDatabase(scratch, 'never.db');
    writeOwner(dir, { startedAt: t0 - 1000, heartbeatAt: t0 });
    clearSnapshots(dir);
    const { code, stdout } = await cli(['health', '--database', dir]);
    expect(code).toBe(5);
    expect(stdout).toBe('no live state: the owner has published no `health` snapshot\n');
    expect((await cli(['health', '--max-age', '0', '--database', dir])).code).toBe(2);
  });
});

describe('warden pools', () => {
  it("prints the live owner's pools, in a table and as JSON", async () => {
    publish('pools', pools);
    const { code, stdout } = await run('pools');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^POOL +STATE +SIZE +IDLE +LEASED +WAITING +USED +ACQUIRES/);
    expect(lines[1]).toMatch(/^renderers +running +1 +1 +0 +0 +0% +0 +0 +0$/);
    expect(lines.slice(2)).toEqual(['(1 pool)', '']);
    const parsed = JSON.parse((await run('pools', '--json')).stdout) as { pools: unknown };
    expect(parsed.pools).toEqual(pools);
  });

  it('flags saturated and degraded pools, and exits 5 without a live owner', async () => {
    const stats = pools[0]?.stats as object;
    publish('pools', [{ name: 'busy', stats: { ...stats, saturated: true, degraded: true } }]);
    expect((await run('pools')).stdout).toMatch(/\nbusy .* saturated,degraded\n/);
    clearOwner(database);
    const gone = await run('pools');
    expect(gone.code).toBe(5);
    expect(gone.stdout).toMatch(/^no live owner: no Warden owns the file\n\nlast known state/);
  });
});

describe('warden actors list', () => {
  it("prints the live owner's tree, indented by depth", async () => {
    publish('tree', {
      ...tree,
      children: [
        { id: 'feed', kind: 'worker', state: 'stopped', restarts: 2, stoppedByHand: true },
        {
          id: 'importer',
          kind: 'supervisor',
          state: 'running',
          restarts: 0,
          strategy: 'one-for-one',
          children: [
            {
              id: 'fetch',
              kind: 'worker',
              state: 'running',
              restarts: 1,
              lastError: { name: 'Error', message: 'socket hang up' },
            },
          ],
        },
      ],
    });
    const { code, stdout } = await run('actors', 'list');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^ACTOR +KIND +STATE +RESTARTS +SUPERVISOR +LAST ERROR$/);
    expect(lines[1]).toMatch(/^root +supervisor +running +0$/);
    expect(lines[2]).toMatch(/^ {2}feed +worker +stopped \(stopped by hand\) +2 +root$/);
    expect(lines[3]).toMatch(/^ {2}importer +supervisor +running +0 +root$/);
    expect(lines[4]).toMatch(/^ {4}fetch +worker +running +1 +importer +Error: socket hang up$/);
    expect(lines.slice(5)).toEqual(['(4 actors)', '']);
    const parsed = JSON.parse((await run('actors', 'list', '--json')).stdout) as {
      source: string;
      actors: { id: string; depth: number }[];
    };
    expect(parsed.source).toBe('owner');
    expect(parsed.actors.map((a) => [a.id, a.depth])).toEqual([
      ['root', 0],
      ['feed', 1],
      ['importer', 1],
      ['fetch', 2],
    ]);
  });

  it("falls back to the file's actor records without a live owner", async () => {
    clearOwner(database);
    const { code, stdout, stderr } = await run('actors', 'list');
    expect(code).toBe(0);
    expect(stderr).toBe(
      "no live owner: no Warden owns the file; listing the file's actor records instead\n",
    );
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      /^ACTOR +KIND +STATE +RESTARTS +SUPERVISOR +LAST EVENT \(UTC\) +LAST ERROR$/,
    );
    const importer = lines.find((line) => line.trimStart().startsWith('importer '));
    expect(importer).toMatch(/^ {2}importer +supervisor +dead +0 +root +2023-11-14 22:13:20 +\S/);
    const feed = lines.find((line) => line.trimStart().startsWith('feed '));
    expect(feed).toMatch(/^ {4}feed +worker +\S.* +importer +.*feed unreachable/);
    const parsed = JSON.parse((await run('actors', 'list', '--json')).stdout) as {
      source: string;
      live: boolean;
      actors: { id: string; state: string }[];
    };
    expect(parsed).toMatchObject({ source: 'records', live: false });
    expect(parsed.actors.find((a) => a.id === 'importer')?.state).toBe('dead');
  });
});

describe('warden metrics', () => {
  it("prints the owner's exposition plus the file's families it lacks", async () => {
    publish('metrics', { text: ownerMetrics });
    const { code, stdout } = await run('metrics');
    expect(code).toBe(0);
    const families = parsePrometheusTextFormat(stdout).map((family) => family.name);
    expect(new Set(families).size).toBe(families.length);
    expect(families).toContain('warden_queue_depth');
    expect(families).toContain('warden_error_events');
    expect(stdout.startsWith(ownerMetrics)).toBe(true);
    const asJson = JSON.parse((await run('metrics', '--json')).stdout) as {
      live: boolean;
      metrics: string;
    };
    expect(asJson.live).toBe(true);
    expect(asJson.metrics).toBe(stdout);
  });

  it("prints the file's metrics alone without a live owner", async () => {
    clearOwner(database);
    const { code, stdout, stderr } = await run('metrics');
    expect(code).toBe(0);
    expect(stderr).toBe(
      'warden: no live owner: no Warden owns the file; printing the metrics the file holds only\n',
    );
    const parsed = parsePrometheusTextFormat(stdout);
    const dead = parsed.find((family) => family.name === 'warden_dead_letters');
    expect(dead?.metrics.map((m) => m.value)).toContain('2');
    const asJson = await run('metrics', '--json');
    expect(asJson.stderr).toBe('');
    expect(JSON.parse(asJson.stdout)).toMatchObject({ live: false, metrics: stdout });
  });

  it('merges expositions without a family twice', () => {
    const base = '# HELP a A.\n# TYPE a gauge\na 1';
    const extra = '# HELP a A.\n# TYPE a gauge\na 2\n# HELP b B.\n# TYPE b gauge\nb 3';
    expect(mergeExpositions(base, extra)).toBe(`${base}\n# HELP b B.\n# TYPE b gauge\nb 3\n`);
    expect(mergeExpositions('', 'junk\n')).toBe('');
  });
});

describe('with a real Warden owning the file in this process', () => {
  it('reads its published health, pools, tree and metrics as live', async () => {
    const file = `${scratch}/owned.db`;
    const clock = createManualClock(t0);
    const owner = createWarden({ database: file, clock });
    owner.pool('renderers', { create: () => ({}), min: 1, max: 2 });
    owner.breaker('smtp'); // never changed state: no row in the file, only in the snapshot
    await owner.start();
    try {
      await clock.advance(1000); // a round of snapshots on the owner's interval
      const health = await cli(['health', '--json', '--database', file], { clock });
      expect(JSON.parse(health.stdout)).toMatchObject({
        live: true,
        health: { lifecycle: 'running' },
      });
      expect(health.code).toBe(owner.health().status === 'unhealthy' ? 3 : 0);
      const pools = await cli(['pools', '--database', file], { clock });
      expect(pools.code).toBe(0);
      expect(pools.stdout).toMatch(/\nrenderers +running +1 /);
      const tree = await cli(['actors', 'list', '--database', file], { clock });
      expect(tree.stdout).toMatch(/^ACTOR .*\nroot +supervisor +running /);
      const breakers = await cli(['breakers', '--json', '--database', file], { clock });
      expect(JSON.parse(breakers.stdout)).toEqual({
        breakers: [
          {
            name: 'smtp',
            state: 'closed',
            opens: 0,
            openUntil: null,
            changedAt: null,
            cause: null,
          },
        ],
      });
      const metrics = await cli(['metrics', '--database', file], { clock });
      expect(metrics.stderr).toBe('');
      expect(metrics.stdout).toContain('warden_queue_depth');
    } finally {
      await owner.stop();
    }
    const gone = await cli(['breakers', '--database', file], { clock });
    expect(gone.stdout).toContain('(0 breakers)'); // no live owner: only what the file holds
    const after = await cli(['health', '--database', file], { clock });
    expect(after.code).toBe(5);
    expect(after.stdout).toMatch(/^no live owner: no Warden owns the file\n\nlast known state/);
    // The last round, published once everything but the file has stopped, says so.
    expect(after.stdout).toMatch(/\nstatus: +unhealthy\nlifecycle: +stopped\n/);
  });
});

describe('withLiveBreakers', () => {
  it('adds the live owner’s breakers the file has no row for, in name order', () => {
    const stored = [
      { name: 'b', state: 'open', opens: 2, openUntil: 5, changedAt: 4, cause: null },
    ] as const;
    const live = [
      { name: 'c', state: 'closed', stats: { opened: 0, lastChange: null } },
      { name: 'b', state: 'closed', stats: { opened: 9, lastChange: null } },
      { name: 'a', state: 'isolated', stats: { opened: 0, lastChange: { at: 7 } } },
    ] as const;
    expect(withLiveBreakers(stored, live).map((b) => [b.name, b.state, b.changedAt])).toEqual([
      ['a', 'isolated', 7],
      ['b', 'open', 4],
      ['c', 'closed', null],
    ]);
    expect(withLiveBreakers(stored, undefined)).toEqual(stored);
  });
});

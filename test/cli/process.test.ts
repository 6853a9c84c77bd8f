/**
 * `warden` run as child processes, as an operator's shell runs it: help, a JSON listing, the
 * health exit codes, the commands path against a live owner in another process (replays carried
 * out by it, a timeout against an owner that does not look), and the demo exiting by itself.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../../src/clock.js';
import type { JobPage, ReplayAllResult } from '../../src/index.js';
import { testWarden } from '../helpers.js';
import { fileScratch, prepared, preparedDatabase, spawnCli } from './helpers.js';
import { writeOwner, writeSnapshot } from './snapshotRows.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ownerScript = fileURLToPath(new URL('../e2e/fixtures/commandOwner.ts', import.meta.url));
const scratch = fileScratch();
const stops: (() => void)[] = [];
afterAll(() => {
  for (const stop of stops) stop();
});

/** Starts the commands-path owner fixture on `database`; resolves with its ready line's ids. */
function startOwner(
  mode: 'serve' | 'deaf',
  database: string,
): Promise<{ ids: Record<string, string>; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ownerScript, mode, database], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  stops.push(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the owner exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('ready ')) {
        resolve({ ids: JSON.parse(line.slice(6)) as Record<string, string>, lines });
      }
    });
  });
}

let database: string;
beforeAll(async () => {
  database = await preparedDatabase(scratch);
});

describe('warden as a child process', { timeout: 60_000 }, () => {
  it.concurrent('prints its help with every subcommand, exit 0', async () => {
    const { code, stdout } = await spawnCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: warden \[options\] \[command\]/);
    for (const command of ['demo', 'jobs', 'dlq', 'actors', 'breakers', 'pools', 'health']) {
      expect(stdout).toMatch(new RegExp(`\\n  ${command} `));
    }
    for (const command of ['metrics', 'errors', 'chart']) expect(stdout).toContain(`  ${command}`);
    expect(stdout).toContain('Exit codes: 0 ok');
  });

  it.concurrent('lists jobs as JSON', async () => {
    const { code, stdout } = await spawnCli(['jobs', 'list', '--json', '--database', database]);
    expect(code).toBe(0);
    const page = JSON.parse(stdout) as JobPage;
    expect(page.jobs.map((job) => job.id)).toEqual([
      ...prepared.succeeded,
      ...prepared.dead,
      ...prepared.scheduled,
    ]);
  });

  it.concurrent('exits 5, 0 and 3 from health as the owner and its snapshot change', async () => {
    const file = await preparedDatabase(scratch, 'health.db');
    const none = await spawnCli(['health', '--database', file]);
    expect(none.code).toBe(5);
    expect(none.stdout).toMatch(/^no live owner: no Warden owns the file\n/);

    // This test process plays the live owner; the CLI's child process judges it by real time.
    const { warden } = testWarden();
    await warden.start();
    const health = warden.health();
    await warden.stop();
    const now = realClock.now();
    writeOwner(file, { startedAt: now - 1000, heartbeatAt: now });
    writeSnapshot(file, 'health', health, now);
    expect((await spawnCli(['health', '--database', file, '--max-age', '60000'])).code).toBe(0);
    writeSnapshot(file, 'health', { ...health, status: 'unhealthy' }, realClock.now());
    const sick = await spawnCli(['health', '--json', '--database', file, '--max-age', '60000']);
    expect(sick.code).toBe(3);
    expect(JSON.parse(sick.stdout)).toMatchObject({ live: true, health: { status: 'unhealthy' } });
  });

  it.concurrent('has a live owner in another process carry out dlq replay', async () => {
    const file = join(scratch, 'owned.db');
    const owner = await startOwner('serve', file);
    const one = await spawnCli(['dlq', 'replay', owner.ids['flaky'] ?? '', '--database', file]);
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(
      `job ${owner.ids['flaky']} (flaky) replayed by the owning process: now queued, attempt 0/1\n`,
    );
    const all = await spawnCli(['dlq', 'replay', '--all', '--json', '--database', file]);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout) as ReplayAllResult).toEqual({
      total: 3,
      replayed: 3,
      failed: [],
      via: 'owner',
    });
    const refused = await spawnCli(['dlq', 'replay', owner.ids['later'] ?? '', '--database', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `warden: job ${owner.ids['later']} is \`scheduled\`: cannot retry it\n`,
    );
    expect(owner.lines).toContain(`job.queued ${owner.ids['flaky']}`);

    // The owner publishes its tree: the live one, its `ticker` actor running.
    const tree = await spawnCli(['actors', 'list', '--json', '--database', file]);
    expect(tree.code).toBe(0);
    const listed = JSON.parse(tree.stdout) as {
      source: string;
      actors: { id: string; state: string }[];
    };
    expect(listed.source).toBe('owner');
    expect(listed.actors).toContainEqual(
      expect.objectContaining({ id: 'ticker', state: 'running' }),
    );
  });

  it.concurrent('exits 7 when the owner does not carry a command out in time', async () => {
    const file = join(scratch, 'deaf.db');
    await startOwner('deaf', file);
    const { code, stderr } = await spawnCli([
      'jobs',
      'pause',
      'email.send',
      '--timeout',
      '300',
      '--database',
      file,
    ]);
    expect(code).toBe(7);
    expect(stderr).toMatch(/^warden: .*300 ms/);
  });

  it.concurrent('runs the demo and exits 0 by itself', async () => {
    const file = join(scratch, 'demo.db');
    const { code, stdout } = await spawnCli(['demo', '--scale', '8', '--database', file]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^demo: 13 jobs enqueued into .*demo\.db; every job finished in /);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Job, JobHistoryEntry, JobPage, JobStatus } from '../../src/index.js';
import { exitCodes } from '../../src/cli/exitCodes.js';
import { cli, fileScratch, prepared, preparedDatabase } from './helpers.js';

const scratch = fileScratch();
let database: string;
beforeAll(async () => {
  database = await preparedDatabase(scratch);
});

const run = (...args: string[]) => cli([...args, '--database', database]);

describe('warden jobs list', () => {
  it('prints an aligned table of every job, in id order, with a count', async () => {
    const { code, stdout, stderr } = await run('jobs', 'list');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+PRI\s+ATTEMPT\s+UPDATED \(UTC\)\s+LAST ERROR$/);
    expect(lines.slice(1, -1).map((line) => line.trim().split(/\s+/)[0])).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
    ]);
    expect(lines[6]).toMatch(
      /^ 6 {2}report\.build {2}dead +0 +1\/3 .*UNRECOVERABLE: no data for monthly-2024-01$/,
    );
    expect(lines.at(-1)).toBe('(8 jobs)');
    // Columns line up: every STATUS cell starts where its header does.
    const statusAt = lines[0]!.indexOf('STATUS');
    for (const line of lines.slice(1, -1))
      expect(line.slice(statusAt)).toMatch(/^(succeeded|dead|scheduled)/);
  });

  it('prints the page and its cursor as JSON, and the cursor reads the next page', async () => {
    const first = await run('jobs', 'list', '--json', '--limit', '3');
    expect(first.code).toBe(0);
    const page = JSON.parse(first.stdout) as JobPage;
    expect(page.jobs.map((job) => job.id)).toEqual(['1', '2', '3']);
    expect(page.jobs[2]).toMatchObject({ type: 'email.send', status: 'succeeded', priority: 10 });
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = await run('jobs', 'list', '--json', '--limit', '3', '--after', page.nextCursor!);
    expect((JSON.parse(next.stdout) as JobPage).jobs.map((job) => job.id)).toEqual(['4', '5', '6']);
  });

  it('names the next page under a table that has more', async () => {
    const { stdout } = await run('jobs', 'list', '--limit', '2');
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^\(2 jobs; more follow: --after \S+\)$/);
  });

  it('filters by status and type, and starts after a plain job id', async () => {
    const dead = JSON.parse(
      (await run('jobs', 'list', '--json', '--status', 'dead')).stdout,
    ) as JobPage;
    expect(dead.jobs.map((job) => job.id)).toEqual(prepared.dead);
    const some = await run(
      'jobs',
      'list',
      '--json',
      '--status',
      'scheduled,succeeded',
      '--type',
      'email.send',
      '--after',
      '3',
    );
    expect((JSON.parse(some.stdout) as JobPage).jobs.map((job) => job.id)).toEqual(['4', '5', '8']);
    expect(JSON.parse((await run('jobs', 'list', '--json', '--type', 'none')).stdout)).toEqual({
      jobs: [],
      nextCursor: null,
    });
  });

  it('refuses a bad status, limit or cursor with a usage error quoting it', async () => {
    const status = await run('jobs', 'list', '--status', 'queued,finished');
    expect(status.code).toBe(exitCodes.usage);
    expect(status.stderr).toContain('Expected `--status` to be one or more of `scheduled`');
    expect(status.stderr).toContain('got `queued,finished`');
    const limit = await run('jobs', 'list', '--limit', '0');
    expect(limit.code).toBe(exitCodes.usage);
    expect(limit.stderr).toBe(
      'warden: Expected `--limit` to be a whole number from 1 to 10000000, got `0`\n',
    );
    const cursor = await run('jobs', 'list', '--after', 'nonsense');
    expect(cursor.code).toBe(exitCodes.usage);
    expect(cursor.stderr).toContain('Expected `--after` to be a job id or a `nextCursor`');
    expect(cursor.stderr).toContain('got `nonsense`');
    expect(status.stdout + limit.stdout + cursor.stdout).toBe('');
  });

  it('draws a progress line on a terminal for a long listing, never in JSON', async () => {
    const tty = await cli(['jobs', 'list', '--limit', '5000', '--database', database], {
      tty: true,
    });
    expect(tty.stderr).toContain('reading jobs: [');
    expect(tty.stderr.endsWith('\r\x1b[2K')).toBe(true);
    const asJson = await cli(
      ['jobs', 'list', '--json', '--limit', '5000', '--database', database],
      { tty: true },
    );
    expect(asJson.stderr).toBe('');
    const short = await cli(['jobs', 'list', '--database', database], { tty: true });
    expect(short.stderr).toBe('');
  });
});

describe('warden jobs show', () => {
  it('prints a job with its payload and history', async () => {
    const { code, stdout } = await run('jobs', 'show', '6');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^id: +6\ntype: +report\.build\nstatus: +dead\n/);
    expect(stdout).toContain('last error:      UNRECOVERABLE: no data for monthly-2024-01');
    expect(stdout).toContain('payload:\n{\n  "report": "monthly-2024-01"\n}');
    expect(stdout).toMatch(/ENQUEUE +queued +0\n/);
    expect(stdout).toMatch(/FAIL +running +dead +1 +UNRECOVERABLE: no data for monthly-2024-01\n$/);
  });

  it('prints the job and its history as JSON', async () => {
    const { stdout } = await run('jobs', 'show', '1', '--json');
    const shown = JSON.parse(stdout) as { job: Job; history: JobHistoryEntry[] };
    expect(shown.job).toMatchObject({
      id: '1',
      status: 'succeeded',
      result: { sent: 'user1@example.com' },
    });
    expect(shown.history[0]).toMatchObject({ from: null, to: 'queued', event: 'ENQUEUE' });
    expect(shown.history.at(-1)).toMatchObject({ to: 'succeeded', event: 'SUCCEED' });
  });

  it('exits 6 for an id that names no job, and 2 for one that cannot be an id', async () => {
    const missing = await run('jobs', 'show', '99');
    expect(missing).toEqual({
      code: exitCodes.notFound,
      stdout: '',
      stderr: 'warden: no job has id `99`\n',
    });
    const bad = await run('jobs', 'show', '1x');
    expect(bad.code).toBe(exitCodes.usage);
    expect(bad.stderr).toContain('got `1x`');
  });
});

describe('warden jobs count', () => {
  it('prints a table of statuses by type, with a total row', async () => {
    const { stdout } = await run('jobs', 'count');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^TYPE +SCHEDULED +QUEUED +CLAIMED +RUNNING +RETRYING +SUCCEEDED +CANCELLED +DEAD +TOTAL$/,
    );
    expect(lines.slice(1).map((line) => line.split(/\s+/))).toEqual([
      ['email.send', '1', '0', '0', '0', '0', '5', '0', '0', '6'],
      ['report.build', '0', '0', '0', '0', '0', '0', '0', '2', '2'],
      ['(all)', '1', '0', '0', '0', '0', '5', '0', '2', '8'],
    ]);
  });

  it('prints the counts as JSON, for one type too', async () => {
    const all = JSON.parse((await run('jobs', 'count', '--json')).stdout) as {
      total: number;
      byStatus: Record<JobStatus, number>;
      byType: Record<string, Record<JobStatus, number>>;
    };
    expect(all.total).toBe(8);
    expect(all.byStatus).toMatchObject({ succeeded: 5, dead: 2, scheduled: 1, queued: 0 });
    expect(Object.keys(all.byType)).toEqual(['email.send', 'report.build']);
    const one = JSON.parse(
      (await run('jobs', 'count', '--json', '--type', 'report.build')).stdout,
    ) as typeof all;
    expect(one.total).toBe(2);
    expect(Object.keys(one.byType)).toEqual(['report.build']);
    const none = JSON.parse(
      (await run('jobs', 'count', '--json', '--type', 'none')).stdout,
    ) as typeof all;
    expect(none.total).toBe(0);
  });
});

/**
 * The subcommands that act through the commands path, on a file no process owns: this process
 * carries each command out itself (see src/commands/directDrain.ts), by the job machine's rules.
 * With a live owner in another process, see process.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type CommandOutcome, type ReplayAllResult } from '../../src/index.js';
import { outcomeLine } from '../../src/cli/commands/commands.js';
import { cli, fileScratch, prepared, preparedDatabase, t0 } from './helpers.js';

const scratch = fileScratch();
let database: string;
let n = 0;
beforeEach(async () => {
  database = await preparedDatabase(scratch, `commands-${++n}.db`);
});

const run = (...args: string[]) => cli([...args, '--database', database]);

describe('warden jobs pause|resume|cancel', () => {
  it('pauses and resumes a job type, saying when nothing changed', async () => {
    const paused = await run('jobs', 'pause', 'email.send');
    expect(paused).toEqual({
      code: 0,
      stdout: 'job type email.send paused directly (no process owns the file)\n',
      stderr: '',
    });
    expect((await run('jobs', 'pause', 'email.send')).stdout).toBe(
      'job type email.send paused directly (no process owns the file) (it was already paused)\n',
    );
    const listed = await run('jobs', 'paused');
    expect(listed.stdout).toMatch(
      /^TYPE +PAUSED \(UTC\) +BY\nemail\.send +\d{4}-\d\d-\d\d [\d:]+ +process \d+ on host .+\n\(1 paused type\)\n$/,
    );
    const json = JSON.parse((await run('jobs', 'paused', '--json')).stdout) as {
      paused: { type: string }[];
    };
    expect(json.paused.map((p) => p.type)).toEqual(['email.send']);
    const resumed = JSON.parse(
      (await run('jobs', 'resume', 'email.send', '--json')).stdout,
    ) as CommandOutcome;
    expect(resumed).toMatchObject({
      kind: 'type.resume',
      target: 'email.send',
      result: { type: 'email.send', paused: false, changed: true },
      via: 'direct',
    });
    expect((await run('jobs', 'resume', 'email.send')).stdout).toContain(
      '(it was already running)',
    );
    expect((await run('jobs', 'paused')).stdout).toMatch(/\(0 paused types\)\n$/);
  });

  it('cancels a scheduled job, and refuses one that finished (exit 1) or does not exist (6)', async () => {
    const [later] = prepared.scheduled;
    expect((await run('jobs', 'cancel', later)).stdout).toBe(
      `job ${later} (email.send) cancelled directly (no process owns the file): now cancelled, attempt 0/3\n`,
    );
    const again = await run('jobs', 'cancel', later);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^warden: job 8 is `cancelled`: cannot cancel it\n$/);
    const missing = await run('jobs', 'cancel', '999');
    expect(missing.code).toBe(6);
    const bad = await run('jobs', 'cancel', 'x1');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Expected `job id` to be a positive whole number, got `x1`');
    expect((await run('jobs', 'pause', 'email.send', '--timeout', '0')).code).toBe(2);
  });
});

describe('warden dlq replay', () => {
  it('replays one dead job; a second replay is refused', async () => {
    const [dead] = prepared.dead;
    const { code, stdout } = await run('dlq', 'replay', dead, '--json');
    expect(code).toBe(0);
    const outcome = JSON.parse(stdout) as CommandOutcome;
    expect(outcome).toMatchObject({
      kind: 'job.replay',
      target: dead,
      result: { job: { id: dead, type: 'report.build', status: 'queued', attempt: 0 } },
      via: 'direct',
    });
    const again = await run('dlq', 'replay', dead);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`warden: job ${dead} is \`queued\`: cannot retry it\n`);
  });

  it('replays every dead job with a progress line on a terminal', async () => {
    const clock = createManualClock(t0);
    const { code, stdout, stderr } = await cli(['dlq', 'replay', '--all', '--database', database], {
      tty: true,
      clock,
    });
    expect(code).toBe(0);
    expect(stdout).toBe('replayed 2 of 2 dead jobs directly (no process owns the file)\n');
    expect(stderr).toContain('replaying dead jobs: [##########..........] 1/2 (50%)');
    expect(stderr.endsWith('\r\x1b[2K')).toBe(true);
    expect((await run('dlq', 'replay', '--all')).stdout).toBe('no dead jobs to replay\n');
    const json = JSON.parse(
      (await run('dlq', 'replay', '--all', '--json')).stdout,
    ) as ReplayAllResult;
    expect(json).toEqual({ total: 0, replayed: 0, failed: [], via: 'direct' });
  });

  it('replays the dead jobs of one type only', async () => {
    const result = JSON.parse(
      (await run('dlq', 'replay', '--all', '--type', 'email.send', '--json')).stdout,
    ) as ReplayAllResult;
    expect(result.total).toBe(0);
    const reports = JSON.parse(
      (await run('dlq', 'replay', '--all', '--type', 'report.build', '--json')).stdout,
    ) as ReplayAllResult;
    expect(reports).toMatchObject({ total: 2, replayed: 2 });
  });

  it('refuses an id with --all, and neither', async () => {
    const both = await run('dlq', 'replay', '6', '--all');
    expect(both.code).toBe(2);
    expect(both.stderr).toBe(
      'warden: Expected `dlq replay` to be given a dead job id, or --all (and --type), not both, got `6 --all`\n',
    );
    const neither = await run('dlq', 'replay');
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain(
      'given a dead job id, or --all to replay every dead job, got `no id and no --all`',
    );
    const typeOnly = await run('dlq', 'replay', '--type', 'x');
    expect(typeOnly.stderr).toContain('got `--type x without --all`');
  });
});

describe('warden actors restart', () => {
  it('exits 5 with no live owner: only the process that runs an actor can restart it', async () => {
    const { code, stderr } = await run('actors', 'restart', 'importer');
    expect(code).toBe(5);
    expect(stderr).toMatch(
      /^warden: cannot restart actor `importer`: Warden is not running: no Warden owns `.*commands-\d+\.db`, and only the process that runs an actor can start or stop it\n$/,
    );
  });

  it('describes what an owner did', () => {
    const base = { id: '1', target: 'feed', via: 'owner' } as const;
    expect(
      outcomeLine({
        ...base,
        kind: 'actor.restart',
        result: { actorId: 'feed', state: 'restarted' },
      }),
    ).toBe('actor feed restarted by the owning process');
  });
});

describe('the commands path on a bad file', () => {
  it('refuses a missing file with exit 8 before issuing anything', async () => {
    const { code, stderr } = await cli(['jobs', 'pause', 't', '--database', `${scratch}/none.db`]);
    expect(code).toBe(8);
    expect(stderr).toContain('does not exist');
  });
});

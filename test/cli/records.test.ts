import { beforeAll, describe, expect, it } from 'vitest';
import type { DeadActorRecord, JobPage } from '../../src/index.js';
import type { BreakerView } from '../../src/cli/commands/breakers.js';
import { cli, fileScratch, prepared, preparedDatabase, t0 } from './helpers.js';

const scratch = fileScratch();
let database: string;
beforeAll(async () => {
  database = await preparedDatabase(scratch);
});

const run = (...args: string[]) => cli([...args, '--database', database]);

describe('warden dlq list', () => {
  it('prints the dead jobs with their attempts and last error', async () => {
    const { code, stdout } = await run('dlq', 'list');
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      expect.stringMatching(/^ID +TYPE +ATTEMPTS +DIED \(UTC\) +ERROR$/),
      ' 6  report.build       1/3  2023-11-14 22:13:20  UNRECOVERABLE: no data for monthly-2024-01',
      ' 7  report.build       1/3  2023-11-14 22:13:20  UNRECOVERABLE: no data for monthly-2024-02',
      '(2 dead jobs)',
      '',
    ]);
  });

  it('prints them as JSON, filtered by type and paged', async () => {
    const page = JSON.parse((await run('dlq', 'list', '--json', '--limit', '1')).stdout) as JobPage;
    expect(page.jobs.map((job) => [job.id, job.status])).toEqual([[prepared.dead[0], 'dead']]);
    const next = JSON.parse(
      (await run('dlq', 'list', '--json', '--after', page.nextCursor ?? '')).stdout,
    ) as JobPage;
    expect(next).toMatchObject({ jobs: [{ id: prepared.dead[1] }], nextCursor: null });
    const none = JSON.parse(
      (await run('dlq', 'list', '--json', '--type', 'email.send')).stdout,
    ) as JobPage;
    expect(none).toEqual({ jobs: [], nextCursor: null });
  });
});

describe('warden actors dead', () => {
  it('prints the dead-lettered actors with their last error', async () => {
    const { code, stdout } = await run('actors', 'dead');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^ACTOR +SUPERVISOR +KIND +RESTARTS +DIED \(UTC\) +LAST ERROR$/);
    expect(lines[1]).toMatch(/^importer +root +supervisor +0 +2023-11-14 22:13:20 +\S+: /);
    expect(lines.slice(2)).toEqual(['(1 dead actor)', '']);
  });

  it('prints them as JSON', async () => {
    const { actors } = JSON.parse((await run('actors', 'dead', '--json')).stdout) as {
      actors: DeadActorRecord[];
    };
    expect(actors).toHaveLength(1);
    expect(actors[0]).toMatchObject({ actorId: 'importer', supervisorId: 'root', at: t0 });
    expect(actors[0]?.errors.map((error) => error.message).join(' ')).toContain('feed unreachable');
  });
});

describe('warden breakers', () => {
  it('prints each breaker with the state it resumes in', async () => {
    const { code, stdout } = await run('breakers');
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      expect.stringMatching(/^NAME +STATE +OPENS +OPEN UNTIL \(UTC\) +CHANGED \(UTC\)$/),
      'smtp  open       1  2023-11-14 22:13:50  2023-11-14 22:13:20',
      '(1 breaker)',
      '',
    ]);
  });

  it('prints them as JSON, with the cause of the latest change', async () => {
    const { breakers } = JSON.parse((await run('breakers', '--json')).stdout) as {
      breakers: BreakerView[];
    };
    expect(breakers).toEqual([
      {
        name: 'smtp',
        state: 'open',
        opens: 1,
        openUntil: t0 + 30_000,
        changedAt: t0,
        cause: expect.anything() as unknown,
      },
    ]);
  });
});

/** The tables and lines the CLI prints for people, on rows that files rarely hold. */
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { deadActorsTable } from '../../src/cli/commands/actors.js';
import { actorsTable, treeRows } from '../../src/cli/commands/actorList.js';
import { breakersTable } from '../../src/cli/commands/breakers.js';
import { outcomeLine, replayText } from '../../src/cli/commands/commands.js';
import { deadTable } from '../../src/cli/commands/dlq.js';
import { errorsTable } from '../../src/cli/commands/errors.js';
import { jobsTable } from '../../src/cli/commands/jobs.js';
import { DatabaseMissingError } from '../../src/cli/database.js';
import { exitCodeOf } from '../../src/cli/exitCodes.js';
import { cell, fields, formatDuration, formatTime, table } from '../../src/cli/output.js';
import type { Job } from '../../src/index.js';
import { t0 } from './helpers.js';

const job = {
  id: '12',
  type: 'email.send',
  status: 'dead',
  priority: 0,
  attempt: 3,
  maxAttempts: 3,
  updatedAt: t0,
  finishedAt: null,
  error: { name: 'Error', message: 'bounced' },
} as unknown as Job;

describe('the tables', () => {
  it('name the next page, and use singulars for one row', () => {
    expect(jobsTable({ jobs: [job], nextCursor: 'abc' })).toMatch(
      /\n\(1 job; more follow: --after abc\)\n$/,
    );
    const dead = deadTable({ jobs: [job, { ...job, id: '13', error: null }], nextCursor: 'c2' });
    expect(dead).toMatch(/\n *12 +email\.send +3\/3 +2023-11-14 22:13:20 +Error: bounced\n/);
    expect(dead).toMatch(/\n *13 +email\.send +3\/3 +2023-11-14 22:13:20\n/);
    expect(dead).toMatch(/\(2 dead jobs; more follow: --after c2\)\n$/);
    expect(deadTable({ jobs: [job], nextCursor: null })).toMatch(/\(1 dead job\)\n$/);
  });

  it('show actors, breakers and error events with empty cells for what is missing', () => {
    const actor = { actorId: 'feed', supervisorId: null, kind: 'worker', at: t0, restarts: 1 };
    const actors = deadActorsTable([{ ...actor, errors: [] } as never]);
    expect(actors).toMatch(/\nfeed +worker +1 +2023-11-14 22:13:20\n\(1 dead actor\)\n$/);
    const withError = deadActorsTable([
      { ...actor, errors: [{ name: 'Error', code: 'E_FEED', message: 'down' }] } as never,
    ]);
    expect(withError).toContain('E_FEED: down');
    const breakers = breakersTable([
      { name: 'smtp', state: 'open', opens: 1, openUntil: t0, changedAt: t0, cause: null },
      { name: 'dns', state: 'closed', opens: 0, openUntil: null, changedAt: t0, cause: null },
    ]);
    expect(breakers).toMatch(/\nsmtp +open +1 +2023-11-14 22:13:20 +2023-11-14 22:13:20\n/);
    expect(breakers).toMatch(/\(2 breakers\)\n$/);
    const event = {
      id: '9',
      at: t0,
      source: 'pool',
      subject: 'renderers',
      kind: 'create',
      jobType: null,
      attempt: null,
      error: null,
      traceId: null,
      spanId: null,
    } as const;
    expect(errorsTable([event], 100)).toMatch(
      /\n 9 +2023-11-14 22:13:20 +pool +renderers +create\n\(1 error event\)\n$/,
    );
    expect(
      actorsTable(
        treeRows({ id: 'root', kind: 'supervisor', state: 'running', restarts: 0 }),
        true,
      ),
    ).toMatch(/\(1 actor\)\n$/);
  });

  it('say what a command and a bulk replay did', () => {
    const job12 = {
      id: '12',
      type: 'email.send',
      status: 'queued',
      attempt: 0,
      maxAttempts: 3,
    } as const;
    expect(
      outcomeLine({
        id: '1',
        kind: 'job.replay',
        target: '12',
        via: 'owner',
        result: { job: job12 },
      }),
    ).toBe('job 12 (email.send) replayed by the owning process: now queued, attempt 0/3');
    expect(
      replayText({
        total: 1,
        replayed: 0,
        via: 'owner',
        failed: [{ jobId: '12', error: { name: 'InvalidTransitionError', message: 'not dead' } }],
      }),
    ).toBe(
      'replayed 0 of 1 dead job by the owning process; refused:\n  job 12: InvalidTransitionError: not dead\n',
    );
  });
});

describe('the output helpers', () => {
  it('format durations, times, cells and fields', () => {
    expect([850, 12_300, 240_000, 9_000_000, 3 * 86_400_000].map(formatDuration)).toEqual([
      '850 ms',
      '12.3 s',
      '4 min',
      '2.5 h',
      '3 d',
    ]);
    expect(formatTime(null)).toBe('');
    expect(cell(undefined)).toBe('');
    expect(cell('a\n  b')).toBe('a b');
    expect(cell('x'.repeat(10), 5)).toBe('xxxx…');
    expect(fields([])).toBe('\n');
    expect(table([{ header: 'A' }, { header: 'B', right: true }], [['1']])).toBe('A  B\n1\n');
  });

  it('map the errors that end a command to exit codes', () => {
    expect(exitCodeOf(new CommanderError(1, 'commander.unknownOption', 'x'))).toBe(2);
    expect(exitCodeOf(new DatabaseMissingError('x.db'))).toBe(8);
    expect(exitCodeOf(new Error('boom'))).toBe(1);
  });
});

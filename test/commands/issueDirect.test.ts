import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  createWarden,
  DatabaseUnavailableError,
  InvalidOptionError,
  InvalidTransitionError,
  issueCommand,
  NotAWardenDatabaseError,
  NotRunningError,
  replayAllDead,
  UnrecoverableError,
  type CommandProgress,
} from '../../src/index.js';
import { rejection, tempDatabase, tempDir } from '../helpers.js';

/** A file left by a stopped Warden, with `dead` dead jobs of type `a` and one of `b`; no owner. */
async function abandonedFile(dead = 2): Promise<{ database: string; ids: string[] }> {
  const database = tempDatabase();
  const warden = createWarden({ database, concurrency: 8 });
  for (const type of ['a', 'b']) {
    warden.defineJob(type, {
      retry: { attempts: 1 },
      run: () => {
        throw new UnrecoverableError('no');
      },
    });
  }
  await warden.start();
  const jobs = await warden.enqueueMany([
    ...Array.from({ length: dead }, (_, n) => ({ type: 'a', payload: { n } })),
    { type: 'b', payload: {} },
  ]);
  for (const job of jobs) await warden.waitForJob(job.id);
  await warden.stop();
  return { database, ids: jobs.map((job) => job.id) };
}

function jobRows(database: string): { id: number; status: string; attempt: number }[] {
  const db = new Database(database, { readonly: true });
  const rows = db.prepare('SELECT id, status, attempt FROM jobs ORDER BY id').all();
  db.close();
  return rows as { id: number; status: string; attempt: number }[];
}

describe('issueCommand with no live owner', () => {
  it('carries a replay out itself, under the job machine, and leaves the file unowned', async () => {
    const { database, ids } = await abandonedFile(1);
    const id = ids[0] as string;
    const outcome = await issueCommand(
      database,
      { kind: 'job.replay', target: id },
      { issuedBy: 'me' },
    );
    expect(outcome).toEqual({
      id: '1',
      kind: 'job.replay',
      target: id,
      result: { job: { id, type: 'a', status: 'queued', attempt: 0, maxAttempts: 1 } },
      via: 'direct',
    });
    const again = await rejection(() => issueCommand(database, { kind: 'job.replay', target: id }));
    expect(again).toBeInstanceOf(InvalidTransitionError);
    expect((again as Error).message).toBe(`job ${id} is \`queued\`: cannot retry it`);

    const db = new Database(database, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM owner').get()).toEqual({ n: 0 });
    expect(
      db.prepare('SELECT id, status, issued_by AS by FROM commands ORDER BY id').all(),
    ).toEqual([
      { id: 1, status: 'done', by: 'me' },
      { id: 2, status: 'failed', by: expect.stringMatching(/^process \d+ on host /) as string },
    ]);
    db.close();
  });

  it('pauses a type so that the next owner starts with it paused', async () => {
    const { database } = await abandonedFile(1);
    const outcome = await issueCommand(
      database,
      { kind: 'type.pause', target: 'a' },
      { issuedBy: 'ops' },
    );
    expect(outcome.result).toEqual({ type: 'a', paused: true, changed: true });
    const warden = createWarden({ database });
    await warden.start();
    try {
      expect((await warden.pausedJobTypes()).map((p) => [p.type, p.pausedBy])).toEqual([
        ['a', 'ops'],
      ]);
    } finally {
      await warden.stop();
    }
  });

  it('refuses actor commands, which only the process running the actor can carry out', async () => {
    const { database } = await abandonedFile(1);
    const error = await rejection(() =>
      issueCommand(database, { kind: 'actor.restart', target: 'mailer' }),
    );
    expect(error).toBeInstanceOf(NotRunningError);
    expect((error as Error).message).toContain('cannot restart actor `mailer`');
    const db = new Database(database, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM commands').get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses bad commands and options before writing anything', async () => {
    const { database } = await abandonedFile(1);
    const bad: [unknown, unknown][] = [
      [{ kind: 'job.explode', target: '1' }, {}],
      [{ kind: 'job.replay', target: '' }, {}],
      [{ kind: 'job.replay', target: '1', extra: 1 }, {}],
      [{ kind: 'job.replay', target: '1' }, { timeoutMs: 0 }],
      [{ kind: 'job.replay', target: '1' }, { timeout: 5 }],
    ];
    for (const [command, options] of bad) {
      const error = await rejection(() =>
        issueCommand(database, command as never, options as never),
      );
      expect(error).toBeInstanceOf(InvalidOptionError);
    }
    const db = new Database(database, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM commands').get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses a missing or a foreign file, creating nothing', async () => {
    const missing = join(tempDir(), 'nothing.db');
    expect(
      await rejection(() => issueCommand(missing, { kind: 'type.pause', target: 'a' })),
    ).toBeInstanceOf(DatabaseUnavailableError);
    const foreign = join(tempDir(), 'other.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(
      await rejection(() => issueCommand(foreign, { kind: 'type.pause', target: 'a' })),
    ).toBeInstanceOf(NotAWardenDatabaseError);
    const text = join(tempDir(), 'notes.txt');
    writeFileSync(text, 'not a database at all, just some text that is long enough to be a header');
    expect(
      await rejection(() => issueCommand(text, { kind: 'type.pause', target: 'a' })),
    ).toMatchObject({
      code: 'DATABASE_CORRUPT',
    });
  });
});

describe('replayAllDead with no live owner', () => {
  it(
    'replays every dead job of a type in chunks, reporting progress',
    { timeout: 60_000 },
    async () => {
      const { database } = await abandonedFile(1203);
      const progress: CommandProgress[] = [];
      const result = await replayAllDead(
        database,
        { type: 'a' },
        { onProgress: (p) => progress.push(p) },
      );

      expect(result).toEqual({ total: 1203, replayed: 1203, failed: [], via: 'direct' });
      expect(progress).toHaveLength(1203);
      expect(progress.at(-1)).toEqual({ finished: 1203, failed: 0, total: 1203, via: 'direct' });
      expect(progress.map((p) => p.finished)).toEqual(progress.map((_, i) => i + 1));
      const rows = jobRows(database);
      expect(rows.filter((r) => r.status === 'queued')).toHaveLength(1203);
      expect(rows.filter((r) => r.status === 'dead')).toHaveLength(1); // the `b` job
    },
  );

  it('replays every type without a filter, and refuses an unknown filter key', async () => {
    const { database } = await abandonedFile(2);
    expect(await replayAllDead(database)).toEqual({
      total: 3,
      replayed: 3,
      failed: [],
      via: 'direct',
    });
    expect(await replayAllDead(database)).toEqual({
      total: 0,
      replayed: 0,
      failed: [],
      via: 'direct',
    });
    expect(await rejection(() => replayAllDead(database, { kind: 'a' } as never))).toBeInstanceOf(
      InvalidOptionError,
    );
  });
});

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-explicit-any --
   the API's JSON answers are read loosely here: the assertions check their shape. */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, JobNotFoundError, replayAllDead } from '../../src/index.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/dashboard.js';
import { jobTimeline, traceIdOf, type JobTimeline } from '../../src/dashboard/jobTimeline.js';
import { invalidOption, rejection, tempDatabase, testWarden } from '../helpers.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;

const open: Dashboard[] = [];
const connections: Database.Database[] = [];
afterEach(async () => {
  for (const dashboard of open.splice(0)) await dashboard.close();
  for (const db of connections.splice(0)) db.close();
});

/**
 * A file written by a Warden that has stopped: job 1 (`mail`, traced) checkpoints, reports
 * progress and fails for good (dead); job 2 succeeds with a result; job 3 and 4 die too (`sms`).
 */
async function preparedFile(): Promise<string> {
  const database = tempDatabase();
  const { warden } = testWarden({ database });
  warden.defineJob('mail', {
    retry: { attempts: 1 },
    run: async (payload: { fail?: boolean }, ctx) => {
      ctx.progress(3, 4);
      await ctx.checkpoint({ sent: 3 });
      if (payload.fail === true) throw new Error('bounced');
      return { delivered: true };
    },
  });
  warden.defineJob('sms', {
    retry: { attempts: 1 },
    run: () => {
      throw new Error('no signal');
    },
  });
  await warden.start();
  const first = await warden.enqueue('mail', { fail: true }, { traceparent });
  await warden.waitForJob(first.id);
  const jobs = await warden.enqueueMany([
    { type: 'mail', payload: {} },
    { type: 'sms', payload: {} },
    { type: 'sms', payload: {} },
  ]);
  for (const job of jobs) await warden.waitForJob(job.id);
  await warden.stop();
  return database;
}

function reader(database: string): Database.Database {
  const db = new Database(database, { readonly: true });
  connections.push(db);
  return db;
}

async function serve(options: Parameters<typeof createDashboard>[0]): Promise<string> {
  const dashboard = createDashboard(options);
  open.push(dashboard);
  return dashboard.listen();
}

async function call(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

/** POSTs a body to `base`'s api/dead/replay, as the page does unless `headers` are given. */
function replayPoster(base: string) {
  return (body: string, headers: Record<string, string> = { 'x-warden-request': '1' }) =>
    call(`${base}/api/dead/replay`, { method: 'POST', headers, body });
}

describe('a job’s timeline', () => {
  it('gives the row, its status changes in order, its errors, attempts and trace id', async () => {
    const db = reader(await preparedFile());
    const dead: JobTimeline = jobTimeline(db, '1');
    expect(dead.job).toMatchObject({ id: '1', type: 'mail', status: 'dead' });
    expect(dead.timeline.map((entry) => [entry.from, entry.to])).toEqual([
      [null, 'queued'],
      ['queued', 'claimed'],
      ['claimed', 'running'],
      ['running', 'dead'],
    ]);
    expect(dead.timeline.map((entry) => entry.event)[0]).toBe('ENQUEUE');
    expect(dead.timeline.at(-1)?.error?.message).toBe('bounced');
    expect(dead.timeline.at(-1)?.attempt).toBe(1);
    expect(dead.errors).toHaveLength(1);
    expect(dead.errors[0]).toMatchObject({ source: 'job', subject: '1', attempt: 1, traceId });
    expect(dead.errors[0]?.error?.message).toBe('bounced');
    expect(dead.attempts).toEqual({ made: 1, max: 1 });
    expect(dead.progress).toMatchObject({ done: 3, total: 4 });
    expect(dead.checkpoint).toEqual({ sent: 3 });
    expect(dead.payload).toEqual({ fail: true });
    expect(dead.result).toBeNull();
    expect(dead.lastError?.message).toBe('bounced');
    expect(dead.traceId).toBe(traceId);
    expect(dead.traceparent).toBe(traceparent);

    const done = jobTimeline(db, '2');
    expect(done.result).toEqual({ delivered: true });
    expect(done.lastError).toBeNull();
    expect(done.errors).toEqual([]);
    expect(done.timeline.at(-1)?.to).toBe('succeeded');
    // A job enqueued outside any trace still gets a creation context of its own.
    expect(done.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(done.traceId).not.toBe(traceId);
  });

  it('refuses a bad id, an unknown query key, and answers an unknown job with JOB_NOT_FOUND', async () => {
    const db = reader(await preparedFile());
    expect(invalidOption(() => jobTimeline(db, 'abc'))).toContain('abc');
    expect(invalidOption(() => jobTimeline(db, '%zz'))).toContain('%zz');
    expect(invalidOption(() => jobTimeline(db, '0'))).toContain('0');
    expect(invalidOption(() => jobTimeline(db, '1', new URLSearchParams('colour=red')))).toContain(
      'colour',
    );
    expect(jobTimeline(db, '1', new URLSearchParams('token=x')).job.id).toBe('1');
    expect(await rejection(() => jobTimeline(db, '999'))).toBeInstanceOf(JobNotFoundError);
  });

  it('reads the trace id of a W3C traceparent, and none of anything else', () => {
    expect(traceIdOf(traceparent)).toBe(traceId);
    expect(traceIdOf(null)).toBeNull();
    expect(traceIdOf('garbage')).toBeNull();
    expect(traceIdOf(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)).toBeNull();
  });

  it('is served at api/jobs/:id/timeline, beside api/jobs/:id', async () => {
    const base = await serve({ database: await preparedFile() });
    const timeline = await call(`${base}/api/jobs/1/timeline`);
    expect(timeline.status).toBe(200);
    expect(timeline.body).toMatchObject({ job: { id: '1', status: 'dead' }, traceId });
    expect(timeline.body.timeline).toHaveLength(4);
    expect((await call(`${base}/api/jobs/1`)).body.history).toHaveLength(4);
    const bad = await call(`${base}/api/jobs/abc/timeline`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_OPTION');
    const missing = await call(`${base}/api/jobs/999/timeline`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('JOB_NOT_FOUND');
    expect((await call(`${base}/api/jobs/1/timeline?x=1`)).status).toBe(400);
  });
});

describe('dead letters', () => {
  it('checks the body of a bulk replay as replayAllDead checks its filter: only a type', async () => {
    const database = await preparedFile();
    expect(await replayAllDead(database, { type: 'sms' })).toMatchObject({ total: 2 });
    expect(await replayAllDead(database, {})).toMatchObject({ total: 1 });
    expect(await replayAllDead(database, undefined)).toMatchObject({ total: 0 });
    const bad = (filter: unknown) => rejection(() => replayAllDead(database, filter as never));
    expect(((await bad({ typ: 'sms' })) as Error).message).toContain('typ');
    expect(((await bad({ type: 3 })) as Error).message).toContain('3');
    expect(await bad([])).toBeInstanceOf(InvalidOptionError);
  });

  it('replays every dead job of a type at api/dead/replay (no owner: carried out directly)', async () => {
    const database = await preparedFile();
    const post = replayPoster(await serve({ database }));
    const replayed = await post(JSON.stringify({ type: 'sms' }));
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual({ total: 2, replayed: 2, failed: [], via: 'direct' });
    const db = reader(database);
    const statuses = db.prepare('SELECT id, status FROM jobs ORDER BY id').all();
    expect(statuses).toEqual([
      { id: 1, status: 'dead' },
      { id: 2, status: 'succeeded' },
      { id: 3, status: 'queued' },
      { id: 4, status: 'queued' },
    ]);
    const rest = await post('{}');
    expect(rest.body).toMatchObject({ total: 1, replayed: 1 });
  });

  it('refuses a bad body with 400, another site’s request and a read-only dashboard’s with 403', async () => {
    const database = await preparedFile();
    const post = replayPoster(await serve({ database }));
    const unknown = await post(JSON.stringify({ kind: 'sms' }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('INVALID_OPTION');
    expect(unknown.body.error.message).toContain('kind');
    expect((await post(JSON.stringify({ type: '' }))).status).toBe(400);
    expect((await post('[1]')).status).toBe(400);
    expect((await post('{nope')).status).toBe(400);
    const bare = await post('{}', { 'content-type': 'application/json' });
    expect(bare.status).toBe(403);
    expect(bare.body.error.code).toBe('CROSS_SITE');
    const foreign = await post('{}', { 'x-warden-request': '1', origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('CROSS_SITE');

    const refused = await replayPoster(await serve({ database, readOnly: true }))('{}');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('READ_ONLY');
    // Nothing was replayed by any of them.
    const db = reader(database);
    expect(db.prepare(`SELECT count(*) AS n FROM jobs WHERE status = 'dead'`).get()).toEqual({
      n: 3,
    });
  });
});

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   the API's JSON answers are read loosely here: the assertions check their shape. */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createManualClock, InvalidOptionError } from '../../src/index.js';
import { resolveDashboardOptions } from '../../src/dashboard/dashboardOptions.js';
import { deferred, invalidOption, t0, tempDatabase, testWarden } from '../helpers.js';
import { fetchJson as get, serveDashboard as serve } from './helpers.js';

/** A file with 3 jobs, one of them dead, written by a Warden that has stopped. */
async function preparedFile(): Promise<string> {
  const database = tempDatabase();
  const { warden } = testWarden({ database });
  warden.defineJob('mail', {
    retry: { attempts: 1 },
    run: (payload: { fail?: boolean }) => {
      if (payload.fail === true) throw new Error('bounced');
    },
  });
  await warden.start();
  const jobs = await warden.enqueueMany([
    { type: 'mail', payload: {} },
    { type: 'mail', payload: { fail: true } },
    { type: 'mail', payload: {} },
  ]);
  for (const job of jobs) await warden.waitForJob(job.id);
  await warden.stop();
  return database;
}

describe('dashboard options', () => {
  it('binds to loopback unless a token is given, and checks every option', () => {
    expect(resolveDashboardOptions({ database: 'w.db' })).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      token: null,
      readOnly: false,
      pollMs: 100,
    });
    expect(
      invalidOption(() => resolveDashboardOptions({ database: 'w.db', host: '0.0.0.0' })),
    ).toContain('0.0.0.0');
    expect(
      resolveDashboardOptions({ database: 'w.db', host: '0.0.0.0', token: 'x'.repeat(16) }).host,
    ).toBe('0.0.0.0');
    expect(
      invalidOption(() => resolveDashboardOptions({ database: 'w.db', token: 'short' })),
    ).toContain('got `a string of 5`'); // a secret is not echoed
    expect(
      invalidOption(() => resolveDashboardOptions({ database: 'w.db', readOnly: 'yes' })),
    ).toContain('yes');
    expect(invalidOption(() => resolveDashboardOptions({ database: 'w.db', prot: 80 }))).toContain(
      'prot',
    );
    expect(() => resolveDashboardOptions({ database: 'w.db', clock: {} })).toThrow(
      InvalidOptionError,
    );
    expect(resolveDashboardOptions({ database: 'w.db', host: '127.0.0.2' }).host).toBe('127.0.0.2');
  });
});

describe('the dashboard API', () => {
  it('reads the overview, a page of jobs, one job and the error log', async () => {
    const base = await serve({ database: await preparedFile() });
    const overview = await get(`${base}/api/overview`);
    expect(overview.status).toBe(200);
    expect(overview.body.counts).toMatchObject({ succeeded: 2, dead: 1 });
    expect(overview.body.owner.live).toBe(false);
    const dead = await get(`${base}/api/jobs?status=dead`);
    expect(dead.body.jobs.map((j: { id: string }) => j.id)).toEqual(['2']);
    const job = await get(`${base}/api/jobs/2`);
    expect(job.body.job.error.message).toBe('bounced');
    expect(job.body.history.map((h: { to: string }) => h.to)).toContain('dead');
    const errors = await get(`${base}/api/errors?source=job`);
    expect(errors.body.events).toHaveLength(1);
    expect((await get(`${base}/api/tree`)).body).toMatchObject({ body: { id: 'root' } });
  });

  it('answers bad ids, filters, paths and methods with clear 4xx, and a missing file with 503', async () => {
    const base = await serve({ database: await preparedFile() });
    const status = await get(`${base}/api/jobs?status=finished`);
    expect(status.status).toBe(400);
    expect(status.body.error).toMatchObject({ code: 'INVALID_OPTION' });
    expect(status.body.error.message).toContain('finished');
    expect((await get(`${base}/api/jobs?limit=many`)).status).toBe(400);
    expect((await get(`${base}/api/jobs?colour=red`)).status).toBe(400);
    expect((await get(`${base}/api/jobs?type=a&type=b`)).status).toBe(400);
    expect((await get(`${base}/api/jobs?after=nonsense`)).status).toBe(400);
    expect((await get(`${base}/api/jobs/abc`)).body.error.message).toContain('abc');
    expect((await get(`${base}/api/jobs/999`)).status).toBe(404);
    expect((await get(`${base}/api/errors?source=disk`)).status).toBe(400);
    expect((await get(`${base}/api/nothing`)).status).toBe(404);
    expect((await get(`${base}/api/jobs`, { method: 'PUT' })).status).toBe(405);
    const missing = await serve({ database: tempDatabase() });
    const gone = await get(`${missing}/api/overview`);
    expect(gone.status).toBe(503);
    expect(gone.body.error.code).toBe('DATABASE_UNAVAILABLE');
  });

  it('asks for its token on every request when it has one', async () => {
    const token = 'a-token-of-some-length';
    const base = await serve({ database: await preparedFile(), token });
    expect((await get(`${base}/api/overview`)).status).toBe(401);
    expect(
      (
        await get(`${base}/api/overview`, {
          headers: { authorization: 'Bearer wrong-token-here!!' },
        })
      ).status,
    ).toBe(401);
    expect(
      (await get(`${base}/api/overview`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    expect((await get(`${base}/api/overview?token=${token}`)).status).toBe(200);
  });

  it('takes commands only from its own page, and none when read-only', async () => {
    const database = await preparedFile();
    const base = await serve({ database });
    const post = (headers: Record<string, string>, body: string) =>
      get(`${base}/api/commands`, { method: 'POST', headers, body });
    const pause = JSON.stringify({ kind: 'type.pause', target: 'mail' });
    const bare = await post({ 'content-type': 'application/json' }, pause);
    expect(bare.status).toBe(403);
    expect(bare.body.error.code).toBe('CROSS_SITE');
    const foreign = await post({ 'x-warden-request': '1', origin: 'http://evil.example' }, pause);
    expect(foreign.status).toBe(403);
    expect((await post({ 'x-warden-request': '1', origin: 'not a url' }, pause)).status).toBe(403);
    expect((await post({ 'x-warden-request': '1' }, '{nope')).status).toBe(400);
    expect((await post({ 'x-warden-request': '1' }, 'x'.repeat(20_000))).status).toBe(413); // too large: refused unread
    const done = await post({ 'x-warden-request': '1', origin: base }, pause);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ kind: 'type.pause', target: 'mail', via: 'direct' });
    const replayLive = await post(
      { 'x-warden-request': '1' },
      JSON.stringify({ kind: 'job.replay', target: '1' }),
    );
    expect(replayLive.status).toBe(409); // job 1 succeeded: the job machine refuses a replay

    const readOnly = await serve({ database, readOnly: true });
    const refused = await get(`${readOnly}/api/commands`, {
      method: 'POST',
      headers: { 'x-warden-request': '1' },
      body: pause,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('READ_ONLY');
    const check = new Database(database, { readonly: true });
    expect(check.prepare('SELECT type FROM paused_types').all()).toEqual([{ type: 'mail' }]);
    check.close();
  });
});

describe('live updates', () => {
  it('sends at most 10 changes a second over SSE while another connection commits every millisecond', async () => {
    const database = await preparedFile();
    const clock = createManualClock(t0);
    const base = await serve({ database, clock, pollMs: 10 });
    const response = await fetch(`${base}/api/events`);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let arrived = deferred();
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value);
        arrived.resolve();
        arrived = deferred();
      }
    })();
    const changesIn = () =>
      [...text.matchAll(/event: change\ndata: (.*)\n\n/g)].map(
        (m) => JSON.parse(m[1]!) as { at: number },
      );
    const writer = new Database(database);
    writer.exec('CREATE TABLE IF NOT EXISTS probe (x)');
    const insert = writer.prepare('INSERT INTO probe VALUES (?)');
    for (let ms = 0; ms < 2000; ms++) {
      insert.run(ms);
      await clock.advance(1);
    }
    // A last commit after a quiet spell: once its change has arrived, every earlier one has.
    await clock.advance(200);
    const last = clock.now();
    insert.run(-1);
    await clock.advance(20);
    while (!changesIn().some((c) => c.at >= last)) await arrived.promise;
    writer.close();
    const changes = changesIn();
    expect(text.startsWith('retry: 1000\n\n')).toBe(true);
    expect(changes.length).toBeGreaterThanOrEqual(15);
    for (const first of changes) {
      expect(
        changes.filter((c) => c.at >= first.at && c.at < first.at + 1000).length,
      ).toBeLessThanOrEqual(10);
    }
    await reader.cancel();
    await pump;
  });
});

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   the API's JSON answers are read loosely here: the assertions check their shape. */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDatabase, testWarden } from '../helpers.js';
import { fetchJson as call, postJson as post, serveDashboard as serve } from './helpers.js';

/** A stopped Warden's file: `mail` jobs 1..6 (2 and 5 dead, bounced), a paused `sms` type. */
async function preparedFile(): Promise<string> {
  const database = tempDatabase();
  const { warden } = testWarden({ database });
  warden.defineJob('mail', {
    retry: { attempts: 1 },
    run: (payload: { to: string }) => {
      if (payload.to.startsWith('bad')) throw new Error(`bounced from ${payload.to}`);
    },
  });
  await warden.start();
  const jobs = await warden.enqueueMany(
    ['ann', 'bad-bob', 'cy', 'dee', 'bad-eve', 'fay'].map((to) => ({
      type: 'mail',
      payload: { to },
    })),
  );
  for (const job of jobs) await warden.waitForJob(job.id);
  await warden.pauseJobType('sms');
  await warden.stop();
  return database;
}

const ids = (body: { jobs: { id: string }[] }): string[] => body.jobs.map((job) => job.id);

describe('the jobs list: search and id', () => {
  it('finds jobs by text in the payload or the error, and one job by id', async () => {
    const base = await serve({ database: await preparedFile() });
    expect(ids((await call(`${base}/api/jobs?q=BOUNCED`)).body)).toEqual(['2', '5']);
    const byPayload = await call(`${base}/api/jobs?q=fay&status=succeeded`);
    expect(ids(byPayload.body)).toEqual(['6']);
    expect(byPayload.body.scanned).toEqual({ from: 1, to: 6, lastId: 6 });
    expect(byPayload.body.nextCursor).toBeNull();
    const paged = await call(`${base}/api/jobs?q=bad&limit=1`);
    expect(ids(paged.body)).toEqual(['2']);
    const next = await call(`${base}/api/jobs?q=bad&limit=1&after=${paged.body.nextCursor}`);
    expect(ids(next.body)).toEqual(['5']);
    expect(ids((await call(`${base}/api/jobs?id=3`)).body)).toEqual(['3']);
    expect(ids((await call(`${base}/api/jobs?id=3&status=dead`)).body)).toEqual([]);
    expect(ids((await call(`${base}/api/jobs?id=99`)).body)).toEqual([]);
  });

  it('answers 400 for a bad id, search or cursor, quoting it', async () => {
    const base = await serve({ database: await preparedFile() });
    for (const [query, quoted] of [
      ['id=abc', 'abc'],
      ['q=x&after=j1.1.nope', 'j1.1.nope'],
      [`q=${'y'.repeat(201)}`, 'yyyy'],
      ['q=a&q=b', 'a'],
      ['find=x', 'find'],
    ] as const) {
      const { status, body } = await call(`${base}/api/jobs?${query}`);
      expect([query, status, body.error.code]).toEqual([query, 400, 'INVALID_OPTION']);
      expect(body.error.message).toContain(quoted);
    }
  });
});

describe('job types', () => {
  it('lists each type with its counts and whether it is paused', async () => {
    const base = await serve({ database: await preparedFile() });
    const { body } = await call(`${base}/api/types`);
    expect(body.types).toEqual([
      { type: 'mail', counts: { dead: 2, succeeded: 4 }, paused: null },
      { type: 'sms', counts: {}, paused: expect.objectContaining({ type: 'sms' }) },
    ]);
  });
});

describe('bulk actions', () => {
  it('replays every job a filter matches, through the commands path', async () => {
    const database = await preparedFile();
    const base = await serve({ database });
    const { status, body } = await post(`${base}/api/bulk`, { action: 'replay', q: 'bad-' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ action: 'replay', matched: 2, done: 2, more: false });
    const db = new Database(database, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM jobs WHERE status = 'queued'").pluck().get()).toBe(2);
    expect(db.prepare('SELECT count(*) FROM commands').pluck().get()).toBe(2);
    db.close();
  });

  it('refuses a bad body, a cross-site request and any bulk action when read-only', async () => {
    const database = await preparedFile();
    const base = await serve({ database });
    const bad = await post(`${base}/api/bulk`, { action: 'purge' });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_OPTION']);
    expect(bad.body.error.message).toContain('purge');
    const unknown = await post(`${base}/api/bulk`, { action: 'replay', everything: true });
    expect([unknown.status, unknown.body.error.message]).toEqual([
      400,
      expect.stringContaining('everything'),
    ]);
    const cross = await call(`${base}/api/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'replay' }),
    });
    expect([cross.status, cross.body.error.code]).toEqual([403, 'CROSS_SITE']);
    const readOnly = await serve({ database, readOnly: true });
    const refused = await post(`${readOnly}/api/bulk`, { action: 'replay' });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'READ_ONLY']);
    const db = new Database(database, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM jobs WHERE status = 'dead'").pluck().get()).toBe(2);
    expect(db.prepare('SELECT count(*) FROM commands').pluck().get()).toBe(0);
    db.close();
  });
});

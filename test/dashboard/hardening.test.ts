/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   the API's JSON answers are read loosely here: the assertions check their shape. */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createDashboard } from '../../src/dashboard/dashboard.js';
import { tempDatabase, testWarden } from '../helpers.js';
import { fetchJson, postJson, serveDashboard } from './helpers.js';

async function stoppedFile(): Promise<string> {
  const database = tempDatabase();
  const { warden } = testWarden({ database });
  warden.defineJob('mail', { run: () => 'sent' });
  await warden.start();
  await warden.waitForJob((await warden.enqueue('mail', { to: 'ann' })).id);
  await warden.stop();
  return database;
}

/** A raw request, its headers as given (fetch would not send a foreign Host). */
function raw(
  base: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${options.path}`, {
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
    });
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the dashboard against hostile requests', () => {
  it('answers no foreign Host without a token (DNS rebinding), unless allowed', async () => {
    const database = await stoppedFile();
    const base = await serveDashboard({ database });
    const port = new URL(base).port;
    const foreign = await raw(base, {
      path: '/api/overview',
      headers: { host: `evil.example:${port}` },
    });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ error: { code: 'HOST' } });
    const command = await raw(base, {
      method: 'POST',
      path: '/api/commands',
      headers: {
        host: `evil.example:${port}`,
        origin: `http://evil.example:${port}`,
        'x-warden-request': '1',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ kind: 'type.pause', target: 'mail' }),
    });
    expect(command.status).toBe(403);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await raw(base, { path: '/api/types', headers: { host } })).status).toBe(200);
    }
    const allowed = await serveDashboard({ database, allowedHosts: ['ops.internal'] });
    const asked = await raw(allowed, { path: '/api/types', headers: { host: 'ops.internal:80' } });
    expect(asked.status).toBe(200);
    const token = 'k'.repeat(20);
    const guarded = await serveDashboard({ database, token });
    const withToken = await raw(guarded, {
      path: '/api/types',
      headers: { host: 'anything.example', authorization: `bearer ${token}` },
    });
    expect(withToken.status).toBe(200);
    expect(() => createDashboard({ database, allowedHosts: ['a.example:80'] })).toThrow(
      /allowedHosts.*a\.example:80/,
    );
  });

  it('checks the token strictly: one only, of the Bearer scheme or the query', async () => {
    const token = 'k'.repeat(20);
    const base = await serveDashboard({ database: await stoppedFile(), token });
    expect((await fetch(`${base}/api/types?token=${token}&token=junk`)).status).toBe(401);
    expect((await fetch(`${base}/api/types?token=${token}x`)).status).toBe(401);
    const basic = { headers: { authorization: `Basic ${token}` } };
    expect((await fetch(`${base}/api/types`, basic)).status).toBe(401);
    const bearer = { headers: { authorization: `Bearer ${token}` } };
    expect((await fetch(`${base}/api/types`, bearer)).status).toBe(200);
  });

  it('refuses bad input with 4xx: parameters where none are taken, malformed ids, NUL in a search', async () => {
    const base = await serveDashboard({ database: await stoppedFile() });
    for (const [path, status, quoted] of [
      ['/api/overview?bogus=1', 400, 'bogus'],
      ['/api/types?x=1', 400, 'x'],
      ['/api/tree?x=1', 400, 'x'],
      ['/api/jobs/1?x=1', 400, 'x'],
      ['/api/events?x=1', 400, 'x'],
      ['/api/jobs/%E0%A4%A', 400, '%E0%A4%A'],
      ['/api/jobs?q=%00', 400, 'q'],
      ['/api/jobs?q=ann&id=1', 400, 'ann'],
      ['/api/commands', 405, 'POST only'],
    ] as const) {
      const { status: got, body } = await fetchJson(`${base}${path}`);
      expect([path, got]).toEqual([path, status]);
      expect(body.error.message).toContain(quoted);
      expect(typeof body.error.name).toBe('string');
    }
    const bulk = await postJson(`${base}/api/bulk`, { action: 'cancel', q: '\u0000' });
    expect([bulk.status, bulk.body.error.code]).toEqual([400, 'INVALID_OPTION']);
    const query = await postJson(`${base}/api/commands?x=1`, { kind: 'type.pause', target: 'a' });
    expect(query.status).toBe(400);
  });

  it('refuses a body too large before reading it, and answers HEAD for the page', async () => {
    const base = await serveDashboard({ database: await stoppedFile() });
    const large = await raw(base, {
      method: 'POST',
      path: '/api/commands',
      headers: { 'x-warden-request': '1', 'content-length': String(10_000_000) },
    });
    expect(large.status).toBe(413);
    const head = await fetch(`${base}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('when mounted, close() ends its event streams, and answers nothing after', async () => {
    const dashboard = createDashboard({ database: await stoppedFile() });
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => dashboard.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    const base = `http://127.0.0.1:${address.port}`;
    let opened = (): void => undefined;
    const streaming = new Promise<void>((resolve) => (opened = resolve));
    const ended = new Promise<void>((resolve, reject) => {
      request(`${base}/api/events`, (response) => {
        response.once('data', () => opened()); // the stream is open: its first line came
        response.on('end', resolve);
        response.resume();
      })
        .on('error', reject)
        .end();
    });
    await streaming;
    await dashboard.close();
    await ended;
    const after = await fetchJson(`${base}/api/types`);
    expect([after.status, after.body.error.code]).toEqual([503, 'CLOSED']);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('a file replaced under the dashboard', () => {
  it('reads the new file, not the deleted one', async () => {
    const database = await stoppedFile();
    const base = await serveDashboard({ database });
    const before = await fetchJson(`${base}/api/overview`);
    expect(before.body.counts.succeeded).toBe(1);
    const { rmSync, copyFileSync } = await import('node:fs');
    const other = tempDatabase();
    const { warden } = testWarden({ database: other });
    await warden.start();
    await warden.stop();
    for (const suffix of ['', '-wal', '-shm']) rmSync(database + suffix, { force: true });
    copyFileSync(other, database);
    const after = await fetchJson(`${base}/api/overview`);
    expect([after.status, after.body.counts.succeeded]).toEqual([200, 0]);
  });
});

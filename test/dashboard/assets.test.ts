import { get } from 'node:http';
import { describe, expect, it } from 'vitest';
import { tempDatabase, testWarden } from '../helpers.js';
import { serveDashboard } from './helpers.js';

async function stoppedFile(): Promise<string> {
  const database = tempDatabase();
  const { warden } = testWarden({ database });
  await warden.start();
  await warden.stop();
  return database;
}

describe('the page and its files', () => {
  it('revalidates its own files by ETag and keeps the bundles an hour', async () => {
    const base = await serveDashboard({ database: await stoppedFile() });
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const etag = index.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    const again = await fetch(`${base}/`, { headers: { 'if-none-match': etag } });
    expect([again.status, await again.text()]).toEqual([304, '']);
    const stale = await fetch(`${base}/`, { headers: { 'if-none-match': '"other"' } });
    expect(stale.status).toBe(200);
    const chart = await fetch(`${base}/vendor/chart.js`);
    expect([chart.status, chart.headers.get('cache-control')]).toEqual([
      200,
      'public, max-age=3600',
    ]);
    expect((await chart.text()).length).toBeGreaterThan(100_000);
  });

  it('serves nothing outside ui/ and the bundles', async () => {
    const base = await serveDashboard({ database: await stoppedFile() });
    // Sent as typed: fetch would resolve the dots before sending.
    const raw = (path: string) =>
      new Promise<number>((resolve, reject) => {
        get(`${base}${path}`.replace(/^(http:\/\/[^/]+).*$/, '$1'), { path }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on('error', reject);
      });
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/vendor/../../package.json',
      '/ui/../package.json',
      '/x.ts',
    ]) {
      expect([path, await raw(path)]).toEqual([path, 404]);
    }
  });

  it('mounts under a base path: redirects to its trailing slash, 404 outside it', async () => {
    const token = 't'.repeat(24);
    const base = await serveDashboard({ database: await stoppedFile(), basePath: '/ops', token });
    const bare = await fetch(`${base}/ops?token=${token}`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([308, `/ops/?token=${token}`]);
    expect((await fetch(`${base}/ops/`)).status).toBe(200);
    expect((await fetch(`${base}/ops/app.js`)).status).toBe(200);
    expect((await fetch(`${base}/app.js`)).status).toBe(404);
    expect((await fetch(`${base}/ops/api/overview`)).status).toBe(401);
    expect((await fetch(`${base}/ops/api/overview?token=${token}`)).status).toBe(200);
  });
});

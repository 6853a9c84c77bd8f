/**
 * The page's fallback when its live channel keeps failing: mounted behind a server of the user's
 * own that refuses `api/events` (a proxy that buffers or drops event streams, say), the page
 * polls after 5 failed connections, says so (amber), and still shows a job's change. Real time:
 * the backoff before the fifth failure is about 15 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard, type Dashboard } from '../../src/dashboard/dashboard.js';
import { createWarden, type Warden } from '../../src/index.js';
import { args, assertChromium, executablePath } from './chromium.js';

let browser: Browser;
let warden: Warden;
let dashboard: Dashboard;
let server: Server;
let dir: string;
let base: string;

beforeAll(async () => {
  assertChromium();
  dir = mkdtempSync(join(tmpdir(), 'warden-dashboard-polling-'));
  const database = join(dir, 'jobs.db');
  warden = createWarden({ database });
  warden.defineJob('quick', { run: () => 'done' });
  await warden.start();
  dashboard = createDashboard({ database, basePath: '/ops' });
  server = createServer((req, res) => {
    if (req.url?.startsWith('/ops/api/events') === true) {
      res.writeHead(503).end(); // the live channel never gets through
      return;
    }
    dashboard.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  base = `http://127.0.0.1:${port}/ops/`;
  browser = await chromium.launch({ executablePath, args });
});

afterAll(async () => {
  await browser.close();
  await dashboard.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await warden.stop({ graceMs: 0 });
  rmSync(dir, { recursive: true, force: true });
});

describe('the live channel failing', () => {
  it('falls back to polling after 5 failures, amber, and still shows changes', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.waitForSelector('#connection[data-state="down"]', { timeout: 5_000 });
    await page.waitForSelector('#connection[data-state="polling"]', { timeout: 40_000 });
    const job = await warden.enqueue('quick', {});
    await warden.waitForJob(job.id);
    await page.waitForSelector(`#jobs tr[data-id="${job.id}"][data-status="succeeded"]`, {
      timeout: 10_000,
    });
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('polling');
    await page.close();
  }, 60_000);
});

/**
 * The dashboard's Breakers, Pools and Monitor views in Debian's Chromium, driven by
 * playwright-core, against a real Warden (a breaker and a pool of plain resources of its own,
 * publishing snapshots) and a dashboard over its file. Real time; screenshots go to
 * .ci/out/screenshots.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarden, type Breaker, type Lease, type Warden } from '../../src/index.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/dashboard.js';
import { args, assertChromium, executablePath } from './chromium.js';

const screenshots = join(process.cwd(), '.ci', 'out', 'screenshots');

let browser: Browser;
let warden: Warden;
let dir: string;
let base: string;
let dashboard: Dashboard;
let pricing: Breaker;
let lease: Lease<{ n: number }> | undefined;

beforeAll(async () => {
  assertChromium();
  mkdirSync(screenshots, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'warden-dashboard-monitor-'));
  const database = join(dir, 'jobs.db');
  warden = createWarden({ database, concurrency: 2, snapshotIntervalMs: 100 });
  warden.defineJob('quick', { run: () => undefined });
  warden.defineJob('charge', {
    run: () => {
      throw new Error('card declined');
    },
  });
  pricing = warden.breaker('pricing', { consecutiveFailures: 1, openMs: 60_000 });
  let made = 0;
  const pool = warden.pool('db', {
    create: () => ({ n: ++made }),
    destroy: () => undefined,
    min: 1,
    max: 2,
  });
  await warden.start();
  lease = await pool.acquire();
  dashboard = createDashboard({ database, pollMs: 50 });
  base = await dashboard.listen();
  browser = await chromium.launch({ executablePath, args });
});

afterAll(async () => {
  lease?.release();
  await browser?.close();
  await dashboard?.close();
  await warden?.stop({ graceMs: 0 });
  rmSync(dir, { recursive: true, force: true });
});

/** What a page did: every address it asked for, and every script error or refused request. */
interface Watched {
  readonly page: Page;
  readonly requests: string[];
  readonly errors: string[];
}

async function watch(hash: string): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  const watched: Watched = { page, requests: [], errors: [] };
  page.on('request', (request) => watched.requests.push(request.url()));
  page.on('pageerror', (error) => watched.errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') watched.errors.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400) watched.errors.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector('#connection[data-state="live"]');
  return watched;
}

/** Nothing went wrong and nothing left this machine. */
function clean({ requests, errors }: Watched): void {
  expect(errors).toEqual([]);
  expect(requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
}

describe('the dashboard breakers, pools and monitor', () => {
  it('lists the breaker, and shows its history once it opens', async () => {
    const watched = await watch('#breakers');
    const { page } = watched;
    await page.waitForSelector('#breakers tr[data-key="pricing"][data-state="closed"]', {
      timeout: 10_000,
    });
    await pricing.call(() => Promise.reject(new Error('pricing is down'))).catch(() => undefined);
    await page.waitForSelector('#breakers tr[data-key="pricing"][data-state="open"]', {
      timeout: 10_000,
    });
    const row = '#breakers tr[data-key="pricing"] td';
    // The state is the table's (written at the change), the failures the next snapshot's.
    await expect.poll(() => page.locator(row).nth(2).textContent(), { timeout: 10_000 }).toBe('1');
    const cells = await page.locator(row).allTextContents();
    expect(cells[0]).toBe('pricing');
    expect(cells[3]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/); // opened at
    expect(cells[4]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/); // next half-open

    await page.locator('#breakers tr[data-key="pricing"] a').click();
    expect(new URL(page.url()).hash).toBe('#breakers?name=pricing');
    await page.waitForSelector('#breaker-history tr[data-to="open"]', { timeout: 10_000 });
    expect(await page.locator('#breaker-history tr').count()).toBe(1);
    expect(await page.locator('#breaker-now').textContent()).toContain('open');
    expect(await page.locator('#breakers tr.selected').getAttribute('data-key')).toBe('pricing');
    await page.screenshot({ path: join(screenshots, 'dashboard-breakers.png'), fullPage: true });
    clean(watched);
    await page.close();
  });

  it('shows each pool’s utilisation and slots', async () => {
    const watched = await watch('#pools');
    const { page } = watched;
    const pool = '#pools section[data-pool="db"]';
    await page.waitForSelector(`${pool}[data-utilisation="50"]`, { timeout: 10_000 });
    expect(await page.locator(`${pool} .utilisation-percent`).textContent()).toBe('50%');
    expect(await page.locator(`${pool} meter.utilisation`).getAttribute('value')).toBe('50');
    const figures = await page.locator(`${pool} tbody.pool-figures td`).allTextContents();
    expect(figures[0]).toBe('1'); // size
    expect(figures[3]).toBe('1'); // in use
    expect(await page.locator(`${pool} tbody.pool-slots tr`).count()).toBe(1);
    await page.screenshot({ path: join(screenshots, 'dashboard-pools.png'), fullPage: true });
    clean(watched);
    await page.close();
  });

  it('draws its charts from the local Chart.js, updated in place', async () => {
    for (let i = 0; i < 3; i++) await warden.waitForJob((await warden.enqueue('quick', {})).id);
    await warden.waitForJob((await warden.enqueue('charge', {}, { attempts: 1 })).id);
    const watched = await watch('#monitor');
    const { page } = watched;
    const ids = [
      'monitor-processing',
      'monitor-errors',
      'monitor-queue',
      'monitor-durations',
      'monitor-pools',
    ];
    /** Each canvas's chart as Chart.js holds it: drawn (its size) and the points it shows. */
    const drawn = () =>
      page.evaluate((canvasIds) => {
        const scope = globalThis as unknown as {
          Chart?: { getChart(id: string): { width: number; data: { labels: unknown[] } } };
        };
        return canvasIds.map((id) => {
          const chart = scope.Chart?.getChart(id);
          return chart ? { width: chart.width, labels: chart.data.labels.length } : null;
        });
      }, ids);
    await expect.poll(async () => (await drawn()).every((chart) => chart !== null)).toBe(true);
    for (const chart of await drawn()) expect(chart?.width).toBeGreaterThan(0);
    await page.waitForSelector('#monitor-failures tr', { timeout: 10_000 });
    expect(await page.locator('#monitor-failures').textContent()).toContain('card declined');
    const failureRows = page.locator('#monitor-failures tr');
    // Made once: the same canvas keeps its chart as samples come in (one every 5 s).
    await page.locator('#monitor-pools').evaluate((element) => {
      (element as unknown as { dataset: Record<string, string> }).dataset['mark'] = 'first';
    });
    await expect
      .poll(async () => (await drawn())[4]?.labels ?? 0, { timeout: 15_000, interval: 500 })
      .toBeGreaterThanOrEqual(2);
    expect(await page.locator('#monitor-pools').getAttribute('data-mark')).toBe('first');
    // The failure's row is patched, not added again on each update.
    expect(await failureRows.allTextContents()).toEqual([
      expect.stringMatching(/^1card declined\d{4}-/),
    ]);
    expect((await drawn())[0]?.labels).toBeGreaterThanOrEqual(1); // a processing rate point
    await page.screenshot({ path: join(screenshots, 'dashboard-monitor.png'), fullPage: true });
    expect(watched.requests.some((url) => url.endsWith('/vendor/chart.js'))).toBe(true);
    clean(watched);
    await page.close();
  });
});

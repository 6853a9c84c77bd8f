/**
 * The dashboard's page in Debian's Chromium, driven by playwright-core, against a real Warden
 * writing the file and a dashboard reading it. Real time, as in the other end-to-end tests;
 * screenshots go to .ci/out/screenshots.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarden, type Warden } from '../../src/index.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/dashboard.js';
import { deferred } from '../helpers.js';
import { args, assertChromium, executablePath } from './chromium.js';

const screenshots = join(process.cwd(), '.ci', 'out', 'screenshots');

let browser: Browser;
let warden: Warden;
let dir: string;
let database: string;
const dashboards: Dashboard[] = [];
const gate = deferred();

beforeAll(async () => {
  assertChromium();
  mkdirSync(screenshots, { recursive: true });
  // Its own folder for the whole file: the helpers' temporary folders go after each test.
  dir = mkdtempSync(join(tmpdir(), 'warden-dashboard-'));
  database = join(dir, 'jobs.db');
  warden = createWarden({ database, concurrency: 4 });
  warden.defineJob('held', { run: () => gate.promise });
  warden.defineJob('quick', { run: () => undefined });
  await warden.start();
  browser = await chromium.launch({ executablePath, args });
});

afterAll(async () => {
  gate.resolve();
  await browser.close();
  for (const dashboard of dashboards) await dashboard.close();
  await warden.stop({ graceMs: 0 });
  rmSync(dir, { recursive: true, force: true });
});

async function serve(port = 0): Promise<string> {
  const dashboard = createDashboard({ database, port, pollMs: 50 });
  dashboards.push(dashboard);
  return dashboard.listen();
}

const rowStatus = (page: Page, id: string) =>
  page.locator(`tr[data-id="${id}"]`).getAttribute('data-status');

describe('the dashboard page', () => {
  it('loads, goes live, and shows a job go from running to succeeded', async () => {
    const base = await serve();
    const page = await browser.newPage();
    await page.goto(base);
    await page.waitForSelector('#connection[data-state="live"]');
    const job = await warden.enqueue('held', {});
    await expect.poll(() => rowStatus(page, job.id), { timeout: 10_000 }).toBe('running');
    await page.screenshot({ path: join(screenshots, 'dashboard-running.png') });
    gate.resolve();
    await warden.waitForJob(job.id);
    await expect.poll(() => rowStatus(page, job.id), { timeout: 10_000 }).toBe('succeeded');
    await page.screenshot({ path: join(screenshots, 'dashboard-succeeded.png') });
    await page.close();
  });

  it('keeps the scroll position and the filter form across live updates', async () => {
    const base = await serve();
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    const jobs = await warden.enqueueMany(
      Array.from({ length: 80 }, () => ({ type: 'quick', payload: {} })),
    );
    for (const job of jobs) await warden.waitForJob(job.id);
    await page.goto(base);
    await page.waitForSelector('#connection[data-state="live"]');
    await expect
      .poll(() => page.locator('#jobs tr').count(), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(80);
    await page.fill('input[name="type"]', 'half-typed');
    await page.locator('#list').evaluate((list) => {
      (list as unknown as { scrollTop: number }).scrollTop = 400;
    });
    const before = await page.locator('#jobs tr').count();
    const extra = await warden.enqueue('quick', {});
    await warden.waitForJob(extra.id);
    await expect.poll(() => page.locator('#jobs tr').count(), { timeout: 10_000 }).toBe(before + 1);
    const scrollTop = (list: unknown): number => (list as { scrollTop: number }).scrollTop;
    expect(await page.locator('#list').evaluate(scrollTop)).toBe(400);
    expect(await page.inputValue('input[name="type"]')).toBe('half-typed');
    await page.close();
  });

  it('turns the indicator red when the server stops and green when it comes back', async () => {
    const base = await serve();
    const port = Number(new URL(base).port);
    const page = await browser.newPage();
    await page.goto(base);
    await page.waitForSelector('#connection[data-state="live"]');
    await dashboards.pop()!.close();
    await page.waitForSelector('#connection[data-state="down"]', { timeout: 10_000 });
    await page.screenshot({ path: join(screenshots, 'dashboard-down.png') });
    await serve(port);
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 15_000 });
    await page.close();
  });
});

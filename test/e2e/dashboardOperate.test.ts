/**
 * Operating from the dashboard's page in Debian's Chromium: a text search, bulk actions on what
 * a filter matches, and pausing a type, carried out by a live Warden (the file's owner) through
 * the commands path. Real time, as in the other end-to-end tests.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarden, UnrecoverableError, type Warden } from '../../src/index.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/dashboard.js';
import { args, assertChromium, executablePath } from './chromium.js';

const screenshots = join(process.cwd(), '.ci', 'out', 'screenshots');

let browser: Browser;
let warden: Warden;
let dashboard: Dashboard;
let dir: string;
let base: string;
const failedOnce = new Set<string>();

beforeAll(async () => {
  assertChromium();
  mkdirSync(screenshots, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'warden-dashboard-operate-'));
  const database = join(dir, 'jobs.db');
  warden = createWarden({ database, concurrency: 4, commandPollMs: 20 });
  // A bounced mail dies on its first run; replayed, it goes through.
  warden.defineJob('mail', {
    retry: { attempts: 1 },
    run: (payload: { to: string }, ctx) => {
      if (payload.to.startsWith('bounce') && !failedOnce.has(ctx.jobId)) {
        failedOnce.add(ctx.jobId);
        throw new UnrecoverableError(`mailbox of ${payload.to} is full`);
      }
      return 'sent';
    },
  });
  warden.defineJob('report', { run: () => 'done' });
  await warden.start();
  dashboard = createDashboard({ database, pollMs: 50 });
  base = await dashboard.listen();
  browser = await chromium.launch({ executablePath, args });
});

afterAll(async () => {
  await browser.close();
  await dashboard.close();
  await warden.stop({ graceMs: 0 });
  rmSync(dir, { recursive: true, force: true });
});

const rowStatus = (page: Page, id: string) =>
  page.locator(`#jobs tr[data-id="${id}"]`).getAttribute('data-status');

describe('operating from the dashboard', () => {
  it('searches payloads and errors, then replays everything the search matches', async () => {
    const jobs = await warden.enqueueMany(
      ['ann', 'bounce-bob', 'cy', 'bounce-dee'].map((to) => ({ type: 'mail', payload: { to } })),
    );
    for (const job of jobs) await warden.waitForJob(job.id);
    const [, bob, , dee] = jobs.map((job) => job.id);
    const page = await browser.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${base}/#jobs?q=full`);
    await page.waitForSelector('#connection[data-state="live"]');
    await expect.poll(() => page.locator('#jobs tr').count(), { timeout: 10_000 }).toBe(2);
    expect(await rowStatus(page, bob ?? '')).toBe('dead');
    await expect(page.locator('#scanned').textContent()).resolves.toMatch(/Searched ids up to/);
    await page.screenshot({ path: join(screenshots, 'dashboard-search.png') });
    await page.click('#bulk-replay');
    await expect
      .poll(() => page.locator('#jobs-notice').textContent(), { timeout: 10_000 })
      .toBe('Replayed 2 of 2');
    await warden.waitForJob(dee ?? '');
    await page.fill('#filters input[name="q"]', 'bounce');
    await page.click('#filters button[type="submit"]');
    await expect.poll(() => rowStatus(page, dee ?? ''), { timeout: 10_000 }).toBe('succeeded');
    expect(new URL(page.url()).hash).toBe('#jobs?q=bounce');
    await page.close();
  });

  it('finds one job by id, its id linking to its page', async () => {
    const job = await warden.enqueue('report', { month: 11 });
    await warden.waitForJob(job.id);
    const page = await browser.newPage();
    await page.goto(`${base}/#jobs?id=${job.id}`);
    await page.waitForSelector(`#jobs tr[data-id="${job.id}"]`);
    expect(await page.locator('#jobs tr').count()).toBe(1);
    await page.click(`#jobs tr[data-id="${job.id}"] a`);
    expect(new URL(page.url()).hash).toBe(`#job?id=${job.id}`);
    // From the job's page to the job machine's chart, its state lit.
    await page.click('#job-chart');
    const lit = 'svg.statechart[data-machine="job"] g.node.current';
    await page.waitForSelector(lit, { timeout: 15_000 });
    expect(await page.locator(lit).getAttribute('data-state')).toBe('succeeded');
    await page.close();
  });

  it('cancels every scheduled job of a type, and pauses and resumes a type', async () => {
    const later = await warden.enqueueMany(
      [1, 2, 3].map((n) => ({ type: 'report', payload: { n }, options: { delayMs: 3_600_000 } })),
    );
    const page = await browser.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${base}/#jobs?type=report&status=scheduled`);
    await page.waitForSelector(`#jobs tr[data-id="${later[2]?.id ?? ''}"]`);
    await page.click('#bulk-cancel');
    await expect
      .poll(() => page.locator('#jobs-notice').textContent(), { timeout: 10_000 })
      .toBe('Cancelled 3 of 3');
    for (const job of later) expect((await warden.getJob(job.id))?.status).toBe('cancelled');

    await page.goto(`${base}/#types`);
    const row = page.locator('#types tr[data-type="report"]');
    await row.waitFor();
    await expect(row.getAttribute('data-paused')).resolves.toBe('no');
    await row.locator('button[data-action="pause"]').click();
    await expect.poll(() => row.getAttribute('data-paused'), { timeout: 10_000 }).toBe('yes');
    expect((await warden.pausedJobTypes()).map((p) => p.type)).toEqual(['report']);
    await page.screenshot({ path: join(screenshots, 'dashboard-types.png') });
    await row.locator('button[data-action="resume"]').click();
    await expect.poll(() => row.getAttribute('data-paused'), { timeout: 10_000 }).toBe('no');
    await page.close();
  });

  it('says what is wrong with a filter, and shows a read-only dashboard without its buttons', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/#jobs?status=bogus`);
    await expect
      .poll(() => page.locator('#jobs-notice').textContent(), { timeout: 10_000 })
      .toContain('bogus');
    expect(await page.locator('#jobs tr').count()).toBe(0);
    const readOnly = createDashboard({ database: join(dir, 'jobs.db'), readOnly: true });
    const url = await readOnly.listen();
    await page.goto(`${url}/#dead`);
    await page.waitForSelector('#connection[data-state="live"]');
    await expect.poll(() => page.locator('body').getAttribute('data-read-only')).toBe('yes');
    expect(await page.locator('#replay-all').isVisible()).toBe(false);
    await page.goto(`${url}/#jobs`);
    expect(await page.locator('#bulk-replay').isVisible()).toBe(false);
    await page.close();
    await readOnly.close();
  });
});

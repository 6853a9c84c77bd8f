/**
 * The dashboard's page live, with the file's owner in ANOTHER process (test/e2e/fixtures/
 * dashboardWriter.ts): this process only serves the dashboard over the same file and drives
 * Debian's Chromium. Jobs the writer runs show up and change status without a reload; a dead
 * letter replayed from the page is carried out by the writer through the commands path; a job's
 * page shows its timeline. Real time; screenshots go to .ci/out/screenshots.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard, type Dashboard } from '../../src/dashboard/dashboard.js';
import { args, assertChromium, executablePath } from './chromium.js';
import { startLineProcess, type LineProcess } from './lineProcess.js';

const script = fileURLToPath(new URL('./fixtures/dashboardWriter.ts', import.meta.url));
const screenshots = join(process.cwd(), '.ci', 'out', 'screenshots');
const wait = { timeout: 10_000 };

let browser: Browser;
let writer: LineProcess;
let dashboard: Dashboard;
let base: string;
let dir: string;

beforeAll(async () => {
  assertChromium();
  mkdirSync(screenshots, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'warden-dashboard-live-'));
  const database = join(dir, 'jobs.db');
  writer = startLineProcess(script, [database]);
  await writer.line('ready');
  dashboard = createDashboard({ database, pollMs: 50 });
  base = await dashboard.listen();
  browser = await chromium.launch({ executablePath, args });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await writer?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const idOf = (line: string): string => line.split(' ')[1] ?? '';

/** The statuses of the job page's timeline rows, in order. */
const timeline = (page: Page): Promise<string[]> =>
  page
    .locator('#job-timeline tr')
    .evaluateAll((rows) =>
      rows.map((row) => (row as unknown as { dataset: { to: string } }).dataset.to),
    );

async function live(page: Page, hash: string): Promise<void> {
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector('#connection[data-state="live"]', wait);
}

describe('the dashboard page, with the writer in another process', () => {
  it('shows a job the writer enqueues after the page loaded go from running to succeeded, live', async () => {
    const page = await browser.newPage();
    await live(page, '#jobs');
    const id = idOf(await writer.ask('enqueue', 'enqueued'));
    // Queued or claimed for an instant, then running until it is released.
    await page.waitForSelector(`#jobs tr[data-id="${id}"][data-status="running"]`, wait);
    const loaded = await page.evaluate(() => performance.timeOrigin);
    await writer.ask(`release ${id}`, 'released');
    await page.waitForSelector(`#jobs tr[data-id="${id}"][data-status="succeeded"]`, wait);
    expect(await page.evaluate(() => performance.timeOrigin)).toBe(loaded); // no reload
    await page.close();
  });

  it('shows a job the writer enqueues go from queued to succeeded, live', async () => {
    const page = await browser.newPage();
    await live(page, '#jobs');
    await writer.ask('pause', 'paused'); // its type paused, the job stays queued until resumed
    const id = idOf(await writer.ask('enqueue', 'enqueued'));
    await page.waitForSelector(`#jobs tr[data-id="${id}"][data-status="queued"]`, wait);
    await writer.ask(`release ${id}`, 'released'); // it will not wait once it runs
    await writer.ask('resume', 'resumed');
    await page.waitForSelector(`#jobs tr[data-id="${id}"][data-status="succeeded"]`, wait);
    await page.close();
  });

  it('replays a dead letter from #dead: the writer carries the command out', async () => {
    const id = idOf(await writer.ask('dead', 'dead'));
    const page = await browser.newPage();
    await live(page, '#dead');
    const row = `#dead tr[data-id="${id}"][data-status="dead"]`;
    await page.waitForSelector(row, wait);
    expect(await page.locator(`${row} a[href="#job?id=${id}"]`).count()).toBe(1);
    expect(await page.textContent(`${row} td.error`)).toContain('the first run fails for good');
    await page.screenshot({ path: join(screenshots, 'dashboard-dead.png') });
    const succeeded = writer.line(`job.succeeded ${id}`);
    await page.click(`button[data-replay="${id}"]`);
    await page.waitForSelector(`#dead-notice:has-text("Job ${id} replayed")`, wait);
    await page.waitForSelector(`#dead tr[data-id="${id}"]`, { ...wait, state: 'detached' });
    await succeeded;
    // The jobs list (no reload: a tab change) sees it succeeded.
    await page.click('nav a[data-view="jobs"]');
    await page.waitForSelector(`#jobs tr[data-id="${id}"][data-status="succeeded"]`, wait);
    // Its page tells the whole story: dead, replayed, succeeded; the failure in its errors.
    await page.evaluate((hash) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = hash;
    }, `#job?id=${id}`);
    await page.waitForSelector('#job-timeline tr[data-to="succeeded"]', wait);
    expect(await timeline(page)).toEqual([
      ...['queued', 'claimed', 'running', 'dead'],
      ...['queued', 'claimed', 'running', 'succeeded'],
    ]);
    expect(await page.textContent('#job-errors')).toContain('the first run fails for good');
    await page.close();
  });

  it('replays every dead letter of a type with #replay-all, and says how many', async () => {
    const ids = [idOf(await writer.ask('dead', 'dead')), idOf(await writer.ask('dead', 'dead'))];
    const page = await browser.newPage();
    await live(page, '#dead?type=doomed');
    for (const id of ids) await page.waitForSelector(`#dead tr[data-id="${id}"]`, wait);
    const asked: string[] = [];
    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    await page.click('#replay-all');
    await page.waitForSelector('#dead-notice:has-text("Replayed 2 of 2 jobs (via owner)")', wait);
    expect(asked).toEqual(['Replay every dead job of type doomed?']);
    for (const id of ids) {
      await page.waitForSelector(`#dead tr[data-id="${id}"]`, { ...wait, state: 'detached' });
    }
    await page.waitForSelector('#dead-empty:not([hidden])', wait);
    await page.close();
  });

  it('shows a job’s page: header, blocks and its timeline, patched live as it finishes', async () => {
    const id = idOf(await writer.ask('enqueue', 'enqueued'));
    await writer.line(`job.started ${id}`);
    const page = await browser.newPage();
    await live(page, `#job?id=${id}`);
    await page.waitForSelector('[data-field="status"][data-status="running"]', wait);
    expect(await page.textContent('[data-field="type"]')).toBe('gated');
    expect(await page.textContent('[data-field="trace"]')).toMatch(/^[0-9a-f]{32}$/);
    expect(await page.textContent('pre[data-field="payload"]')).toContain('"n"');
    await page.waitForSelector('pre[data-field="checkpoint"]:has-text("waiting")', wait);
    await page.waitForSelector('#job-timeline tr[data-to="running"]', wait);
    expect(await page.isVisible('#job-cancel')).toBe(true);
    expect(await page.isVisible('#job-replay')).toBe(false);
    await writer.ask(`release ${id}`, 'released');
    await page.waitForSelector('[data-field="status"][data-status="succeeded"]', wait);
    await page.waitForSelector('#job-timeline tr[data-to="succeeded"]', wait);
    expect(await timeline(page)).toEqual(['queued', 'claimed', 'running', 'succeeded']);
    await page.waitForSelector('pre[data-field="result"]:has-text("released")', wait);
    expect(await page.isVisible('#job-cancel')).toBe(false);
    await page.screenshot({ path: join(screenshots, 'dashboard-job.png'), fullPage: true });
    await page.close();
  });

  it('replays a dead job from its own page, and hides Replay once it is not dead', async () => {
    const id = idOf(await writer.ask('dead', 'dead'));
    const page = await browser.newPage();
    await live(page, `#job?id=${id}`);
    await page.waitForSelector('[data-field="status"][data-status="dead"]', wait);
    await page.waitForSelector('#job-errors tr', wait);
    expect(await page.isVisible('#job-cancel')).toBe(false);
    await page.click('#job-replay');
    await page.waitForSelector('#job-outcome:has-text("job.replay: job")', wait);
    await page.waitForSelector('[data-field="status"][data-status="succeeded"]', wait);
    expect(await page.isVisible('#job-replay')).toBe(false);
    await page.close();
  });
});

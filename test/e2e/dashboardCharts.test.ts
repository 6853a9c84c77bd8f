/**
 * The dashboard's tree and state-chart views in Debian's Chromium, driven by playwright-core,
 * against a real Warden writing the file and a dashboard reading it. Real time, as in the other
 * end-to-end tests; screenshots go to .ci/out/screenshots.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarden, type Warden } from '../../src/index.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/dashboard.js';
import { crashyTree, feedsTree } from '../dashboard/helpers.js';
import { deferred } from '../helpers.js';
import { args, assertChromium, executablePath } from './chromium.js';

const screenshots = join(process.cwd(), '.ci', 'out', 'screenshots');

let browser: Browser;
let warden: Warden;
let dir: string;
let database: string;
let base: string;
let dashboard: Dashboard;
const gate = deferred();
const socketStops = deferred();

beforeAll(async () => {
  assertChromium();
  mkdirSync(screenshots, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'warden-dashboard-charts-'));
  database = join(dir, 'jobs.db');
  // Snapshots often, so the tree the page reads follows the owner closely.
  warden = createWarden({ database, concurrency: 4, snapshotIntervalMs: 100 });
  warden.defineJob('held', { run: () => gate.promise });
  warden.breaker('pricing');
  warden.pool('db', { create: () => ({}), destroy: () => undefined, min: 2, max: 3 });
  await warden.supervise(feedsTree(socketStops.promise));
  // A tree of yours that spends its budget at once: dead-lettered, while the rest goes on.
  await warden.supervise(crashyTree());
  await warden.start();
  dashboard = createDashboard({ database, pollMs: 50 });
  base = await dashboard.listen();
  browser = await chromium.launch({ executablePath, args });
});

afterAll(async () => {
  gate.resolve();
  socketStops.resolve();
  await browser.close();
  await dashboard.close();
  await warden.stop({ graceMs: 0 });
  rmSync(dir, { recursive: true, force: true });
});

/** A page that records every request it makes and every CSP refusal and script error. */
async function openPage(
  hash: string,
): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    // A refused resource is told apart below, by its address.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(message.text());
    }
  });
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    // Chromium asks for a favicon the dashboard does not have; anything else must be there.
    if (response.status() >= 400 && path !== '/favicon.ico') {
      errors.push(`${response.status()} ${response.url()}`);
    }
  });
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector('#connection[data-state="live"]');
  return { page, requests, errors };
}

/** The figure on the badge of `state` in the chart of `machine`. */
const badge = (page: Page, machine: string, state: string) =>
  page
    .locator(`svg.statechart[data-machine="${machine}"] g.count[data-state="${state}"] text`)
    .textContent();

/** The state highlighted in the chart of `machine` (under `scope`), once there is one. */
async function current(page: Page, machine: string, scope = ''): Promise<string | null> {
  const selector = `${scope} svg.statechart[data-machine="${machine}"] g.current`.trim();
  await page.waitForSelector(selector, { timeout: 15_000 });
  return page.locator(selector).getAttribute('data-state');
}

/** Opens or closes the <details> of supervisor `id` in the tree; returns whether it is open. */
const details = (page: Page, id: string, open?: boolean) =>
  page.locator(`#tree li[data-id="${id}"] > details`).evaluate((element, value) => {
    const box = element as unknown as { open: boolean };
    if (value !== undefined) box.open = value;
    return box.open;
  }, open);

/** Marks an element, to tell later that it is still the same one (patched, not drawn again). */
const mark = (page: Page, selector: string) =>
  page.locator(selector).evaluate((element) => {
    (element as unknown as { dataset: Record<string, string> }).dataset['mark'] = 'first';
  });

describe('the dashboard tree and charts', () => {
  it('shows the live supervision tree, and the selected actor’s chart with its state highlighted', async () => {
    const { page, requests, errors } = await openPage('#tree');
    await page.waitForSelector('#tree li[data-id="socket"][data-state="running"]', {
      timeout: 10_000,
    });
    for (const id of ['root', 'jobs', 'breakers', 'breaker:pricing', 'pools', 'pool:db', 'feeds']) {
      expect(await page.locator(`#tree li[data-id="${id}"]`).count()).toBe(1);
    }
    expect(await page.locator('#tree li[data-id="pool:db/1"]').count()).toBe(1);
    await page.waitForSelector('#tree li[data-id="crashy"].dead', { timeout: 10_000 });
    expect(await page.locator('#dead-actors').textContent()).toContain('crashy');
    expect(
      await page.locator('#tree li[data-id="feeds"] > details > summary .strategy').textContent(),
    ).toBe('rest-for-one');
    // Close one supervisor's <details>: updates must keep it closed.
    await details(page, 'pools', false);

    await page.locator('#tree li[data-id="socket"] a.actor').click();
    expect(new URL(page.url()).hash).toBe('#tree?actor=socket');
    expect(await current(page, 'actor', '#actor')).toBe('running');
    await mark(page, '#actor svg.statechart');

    // A later update (the snapshot republished, a job run) patches in place.
    const before = await page.locator('#tree-published').textContent();
    await expect
      .poll(() => page.locator('#tree-published').textContent(), { timeout: 10_000 })
      .not.toBe(before);
    expect(await details(page, 'pools')).toBe(false);
    expect(await page.locator('#actor svg.statechart').getAttribute('data-mark')).toBe('first');
    expect(await page.locator('#tree li.selected').getAttribute('data-id')).toBe('socket');

    // A slot shows its slot machine too, in its state.
    await details(page, 'pools', true);
    await page.locator('#tree li[data-id="pool:db/1"] a.actor').click();
    expect(await current(page, 'slot', '#actor')).toBe('idle');
    await page.locator('#tree li[data-id="socket"] a.actor').click();
    expect(await current(page, 'actor', '#actor')).toBe('running');
    await page.screenshot({ path: join(screenshots, 'dashboard-tree.png'), fullPage: true });

    expect(errors).toEqual([]);
    expect(requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
    await page.close();
  });

  it('draws every machine from the local Graphviz bundle, with live counts and the selected state highlighted', async () => {
    const { page, requests, errors } = await openPage('#charts?machine=job&state=running');
    for (const machine of ['job', 'slot', 'breaker', 'supervisor', 'actor']) {
      await page.waitForSelector(`svg.statechart[data-machine="${machine}"]`, { timeout: 15_000 });
    }
    expect(await current(page, 'job')).toBe('running');
    await expect.poll(() => badge(page, 'job', 'running'), { timeout: 10_000 }).toBe('0');
    const succeeded = Number(await badge(page, 'job', 'succeeded'));
    expect(await badge(page, 'breaker', 'closed')).toBe('1');
    await expect.poll(() => badge(page, 'slot', 'idle'), { timeout: 10_000 }).toBe('2');
    await mark(page, 'svg.statechart[data-machine="job"]');

    const job = await warden.enqueue('held', {});
    await expect.poll(() => badge(page, 'job', 'running'), { timeout: 10_000 }).toBe('1');
    expect(
      await page
        .locator('svg.statechart[data-machine="job"] g.cluster[data-state="running"]')
        .getAttribute('class'),
    ).toContain('occupied');
    await page.screenshot({ path: join(screenshots, 'dashboard-charts.png'), fullPage: true });
    gate.resolve();
    await warden.waitForJob(job.id);
    await expect.poll(() => badge(page, 'job', 'running'), { timeout: 10_000 }).toBe('0');
    await expect
      .poll(() => badge(page, 'job', 'succeeded'), { timeout: 10_000 })
      .toBe(String(succeeded + 1));
    // Drawn once: the same SVG, only its badges changed.
    expect(await page.locator('svg.statechart[data-machine="job"]').getAttribute('data-mark')).toBe(
      'first',
    );

    // A selected job's status is highlighted, read from the job itself.
    await page.goto(`${base}/#charts?job=${job.id}`);
    expect(await current(page, 'job')).toBe('succeeded');
    // And a breaker's.
    await page.goto(`${base}/#charts?breaker=pricing`);
    expect(await current(page, 'breaker')).toBe('closed');

    // A job state opens the jobs list filtered by it.
    await page.goto(`${base}/#charts`);
    const succeededState = 'svg.statechart[data-machine="job"] g.node[data-state="succeeded"]';
    await page.waitForSelector(`${succeededState}[data-count]`, { timeout: 15_000 });
    await page.locator(succeededState).click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#jobs?status=succeeded');

    expect(requests.some((url) => url.endsWith('/vendor/viz.js'))).toBe(true);
    expect(requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});

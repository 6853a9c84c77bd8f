/**
 * The dashboard benchmark: `warden dashboard` (the CLI, a child process) serving a file of
 * 1,000,000 jobs (bench/readsDatabase.ts, shared with the read benchmark), measured from Debian's
 * Chromium through playwright-core and from Node's fetch. Not a test: it reads real time.
 *
 *   npm run bench:dashboard                 # 1,000,000 jobs, 200 samples a route, 7 cold loads
 *   npm run bench:dashboard -- 200000 50 3  # 200,000 jobs, 50 samples, 3 cold loads
 *
 * Page figures are taken in the page (performance.now(), from navigation start or from the click,
 * to the animation frame in which the rows are in the DOM); API figures are a request's wall time
 * over a kept-alive connection, the JSON body read. A route that answers 404 is skipped (said so).
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { encodeJobCursor } from '../src/persistence/jobCursor.js';
import { args, assertChromium, executablePath } from '../test/e2e/chromium.js';
import { median, percentile } from './median.js';
import { benchDatabase, random } from './readsDatabase.js';

const jobs = Number(process.argv[2] ?? 1_000_000);
const samples = Number(process.argv[3] ?? 200);
const coldLoads = Number(process.argv[4] ?? 7);
const round = (ms: number): number => +ms.toFixed(1);

assertChromium();
const loadBefore = loadavg()[0] ?? 0;
const { file, builtMs } = benchDatabase(jobs);

/** `warden dashboard` on the file, read-only, on a free port: resolves with its URL. */
function serve(): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', main, 'dashboard', '--port', '0', '--read-only', '--database', file],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`warden dashboard exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (url) =>
      resolve({
        url,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      }),
    );
  });
}

/** Progress on stderr: the bench takes minutes. */
const note = (line: string): void => {
  process.stderr.write(`dashboard bench: ${line}\n`);
};

const server = await serve();
note(`serving ${file} at ${server.url}`);
const base = server.url; // ends in '/'

// ---- the page, in Chromium ----

// Page code goes in as text (tsx would wrap a function's inner functions in a helper, `__name`,
// that the page does not have), and the contexts bypass the page's CSP to evaluate it.

/** Records, from navigation start, when the jobs list first has rows in the DOM (at a frame). */
const recordRows = `(() => {
  const look = () => {
    if (document.querySelector('#jobs tr') !== null) window.rowsAt = performance.now();
    else requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();`;

/** In the page: does `act`, then waits frame by frame until `done`; the ms between. */
async function timed(page: Page, act: string, done: string): Promise<number> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const start = performance.now();
    ${act}
    const look = () => {
      if (${done}) resolve(performance.now() - start);
      else if (performance.now() - start > 30000) reject(new Error(${JSON.stringify(`not drawn: ${done}`)}));
      else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  })`);
}

const rows = "document.querySelectorAll('#jobs tr')";
const allRows = (test: string): string =>
  `${rows}.length > 0 && [...${rows}].every((r) => ${test})`;
const setStatus = (status: string): string =>
  `const f = document.getElementById('filters'); f.status.value = '${status}'; f.type.value = '';` +
  ` f.requestSubmit();`;
const setType = (type: string): string =>
  `const f = document.getElementById('filters'); f.status.value = ''; f.type.value = '${type}';` +
  ` f.requestSubmit();`;

const browser: Browser = await chromium.launch({ executablePath, args });
const loads: number[] = [];
let firstLoad = Number.NaN;
for (let i = 0; i <= coldLoads; i++) {
  // A new context each time: no cache, no connection, no storage (the server stays warm after
  // the first, which also opens the file).
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.addInitScript({ content: recordRows });
  await page.goto(`${base}#jobs`, { waitUntil: 'commit' });
  await page.waitForFunction('window.rowsAt !== undefined', null, { polling: 'raf' });
  const at = await page.evaluate<number>('window.rowsAt');
  if (i === 0) firstLoad = at;
  else loads.push(at);
  await context.close();
}

note(`cold loads: first ${round(firstLoad)} ms, then ${loads.map(round).join(', ')}`);
const page = await (await browser.newContext({ bypassCSP: true })).newPage();
await page.goto(`${base}#jobs`);
await page.waitForSelector('#jobs tr');
const filterRuns = 5;
const deadTimes: number[] = [];
const typeTimes: number[] = [];
for (let i = 0; i < filterRuns; i++) {
  deadTimes.push(await timed(page, setStatus('dead'), allRows("r.dataset.status === 'dead'")));
  await timed(page, setStatus(''), allRows('true') + ` && ${rows}.length === 100`);
  typeTimes.push(
    await timed(page, setType('rare'), allRows("r.children[1].textContent === 'rare'")),
  );
  await timed(page, setType(''), `${rows}.length === 100 && ` + allRows('true'));
}
note(`filters: dead ${deadTimes.map(round).join(', ')}; rare ${typeTimes.map(round).join(', ')}`);
// "More": each click adds a page of 100 (the list re-reads its pages, one after another).
await timed(page, setStatus(''), `${rows}.length === 100`);
const moreTimes: number[] = [];
for (let n = 2; n <= 6; n++) {
  moreTimes.push(
    await timed(page, "document.getElementById('more').click();", `${rows}.length === ${n * 100}`),
  );
}
await browser.close();

// ---- the API, from Node ----

const next = random(42);
const deepId = (): number => Math.floor(jobs * (0.25 + next() / 2));
const routes: readonly (readonly [string, () => string, number?])[] = [
  ['api/overview', () => 'api/overview'],
  ['api/jobs', () => 'api/jobs'],
  ['api/jobs?status=dead', () => 'api/jobs?status=dead'],
  ['api/jobs?status=running', () => 'api/jobs?status=running'],
  ['api/jobs?type=type3', () => 'api/jobs?type=type3'],
  ['api/jobs?type=rare', () => 'api/jobs?type=rare'],
  ['api/jobs?after=<deep cursor>', () => `api/jobs?after=${encodeJobCursor(deepId(), {})}`],
  [
    'api/jobs?status=dead&after=<deep>',
    () => `api/jobs?status=dead&after=${encodeJobCursor(deepId(), { status: 'dead' })}`,
  ],
  ['api/charts', () => 'api/charts'],
  ['api/monitor', () => 'api/monitor'],
  ['api/types', () => 'api/types'],
  ['api/jobs?q=example.com (all match)', () => 'api/jobs?q=example.com'],
  ['api/jobs?q=<one job> (100,000 ids)', () => `api/jobs?q=user${deepId()}@`, 30],
  ['api/jobs?q=nowhere (100,000 ids)', () => 'api/jobs?q=nowhere-at-all', 30],
];

const api: Record<string, { p50: number; p99: number; max: number; n: number; KiB: number }> = {};
const skipped: string[] = [];
for (const [name, path, n = samples] of routes) {
  const probe = await fetch(base + path());
  const probeText = await probe.text();
  if (probe.status === 404 || (probe.status === 400 && name.includes('?q='))) {
    skipped.push(`${name} (${probe.status}: ${probeText.slice(0, 80)})`);
    continue;
  }
  note(`${name}: ${n} requests`);
  if (probe.status !== 200) throw new Error(`${name}: ${probe.status} ${probeText}`);
  for (let i = 0; i < 10; i++) await (await fetch(base + path())).arrayBuffer(); // warm
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const response = await fetch(base + path());
    bytes = (await response.arrayBuffer()).byteLength;
    times.push(performance.now() - start);
  }
  api[name] = {
    p50: round(median(times)),
    p99: round(percentile(times, 0.99)),
    max: round(Math.max(...times)),
    n,
    KiB: round(bytes / 1024),
  };
}
const exitCode = await server.stop();

const size = statSync(file).size;
console.log(
  `warden dashboard over ${jobs.toLocaleString('en')} jobs (${file}, ${(size / 2 ** 20).toFixed(0)} MiB, ${
    builtMs === undefined ? 'reused' : `built in ${(builtMs / 1000).toFixed(1)} s`
  }); exit ${exitCode} on SIGTERM`,
);
console.log(
  `host: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), Node ${process.version}, Chromium ${browser.version()}`,
);
console.log(
  `load average (1 min) ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after; times in ms`,
);
console.log('\nThe page (in Chromium, performance.now() in the page):');
/** A row of the page table: the median and max of some timings. */
const row = (times: readonly number[]) => ({
  median: round(median(times)),
  max: round(Math.max(...times)),
  n: times.length,
});
console.table({
  'first load, server cold (nav → rows)': row([firstLoad]),
  'cold load, new context (nav → rows)': row(loads),
  'filter status=dead (submit → rows)': row(deadTimes),
  'filter type=rare (submit → rows)': row(typeTimes),
  'More, pages 2–6 (click → rows)': row(moreTimes),
});
console.log(`More, click by click (page 2 … 6): ${moreTimes.map(round).join(', ')}`);
console.log('\nThe API (fetch over a kept-alive connection, body read):');
console.table(api);
for (const line of skipped) console.log(`skipped: ${line}`);

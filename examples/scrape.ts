/**
 * Scraping pages from a local HTTP server (127.0.0.1) with a pool of Chromium browsers, inside
 * durable jobs.
 *
 *   apt-get install -y chromium     # Debian's Chromium; no browser download
 *   npm run example:scrape
 *
 * Each `page.scrape` job leases a fresh context and page on one of 2 pooled browsers, reads the
 * page's title and links, and enqueues the pages it links to. Browsers are recycled after 10
 * leases; one is killed from outside half-way through and replaced; `stop()` leaves no Chromium
 * process behind.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWarden } from '../src/index.js';
import { createBrowserPool } from '../src/playwright/index.js';

const pages = 24;
const server = createServer((req, res) => {
  const n = Number((req.url ?? '/0').slice(1)) || 0;
  const links = [n * 2 + 1, n * 2 + 2].filter((m) => m < pages);
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(`<title>Page ${n}</title>${links.map((m) => `<a href="/${m}">page ${m}</a>`).join(' ')}`);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const warden = createWarden({ database: ':memory:', concurrency: 4 });
const browsers = createBrowserPool(warden, 'browsers', {
  max: 2,
  maxUses: 10,
  launch: {
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  },
});

const titles = new Map<string, string>();
const scrape = warden.defineJob<{ path: string }, { title: string; links: string[] }>(
  'page.scrape',
  {
    timeoutMs: 20_000,
    retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 200 } },
    run: async ({ path }, ctx) =>
      browsers.use(
        async ({ page }) => {
          await page.goto(`${base}${path}`);
          const title = await page.title();
          const anchors = await page.locator('a').all();
          const links = (await Promise.all(anchors.map((a) => a.getAttribute('href')))).filter(
            (href): href is string => href !== null,
          );
          titles.set(path, title);
          for (const link of links) {
            await scrape.enqueue({ path: link }, { idempotencyKey: link });
          }
          return { title, links };
        },
        { signal: ctx.signal },
      ),
  },
);

warden.on('actor.exited', (event) => {
  if (event.actorId.startsWith('pool:browsers/') && event.reason === 'abnormal') {
    console.log(`${event.actorId} lost its browser (${event.error?.message ?? ''}); replacing it`);
  }
});

await warden.start();
await scrape.enqueue({ path: '/0' }, { idempotencyKey: '/0' });

let killed = false;
while (titles.size < pages) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (!killed && titles.size >= pages / 2) {
    killed = true;
    // Held while it is killed, so that it is not being recycled meanwhile; the pool takes the
    // lease back when the process dies (the lease's signal aborts, and release() does nothing).
    const lease = await browsers.pool.acquire();
    const pid = lease.resource.pid;
    if (pid !== undefined) {
      console.log(`killing browser process ${pid} from outside`);
      process.kill(pid, 'SIGKILL');
    }
    await new Promise((resolve) => lease.signal.addEventListener('abort', resolve, { once: true }));
    lease.release();
  }
}
for (const job of await warden.listJobs({ type: 'page.scrape', limit: 1000 })) {
  await warden.waitForJob(job.id);
}
console.log(`scraped ${titles.size} pages: ${[...titles.values()].slice(0, 5).join(', ')}, ...`);
const { created, destroyed, acquires, errors } = browsers.stats;
console.log(
  `browsers: ${created} launched, ${destroyed} closed, ${acquires} leases, ${errors.broken} lost`,
);
await warden.stop();
server.close();
console.log('stopped: every browser closed');

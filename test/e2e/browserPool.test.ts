/**
 * The browser pool against a real Chromium (Debian's, installed by .ci/run), real pages served
 * from a loopback HTTP server, and a browser process killed from outside. Real time and real
 * processes, as in the other end-to-end tests.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarden, type Warden } from '../../src/index.js';
import { createBrowserPool, type BrowserPool } from '../../src/playwright/index.js';
import { args, assertChromium, executablePath } from './chromium.js';

let server: Server;
let base: string;

beforeAll(async () => {
  assertChromium();
  server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<title>page ${req.url ?? ''}</title><h1>${req.url ?? ''}</h1>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** True while a process with this pid exists (and is not a zombie). */
function running(pid: number): boolean {
  try {
    const state = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], {
      encoding: 'utf8',
    }).trim();
    return state !== '' && !state.startsWith('Z');
  } catch {
    return false;
  }
}

/** Every live descendant of `pid` (Chromium's renderers, GPU and utility processes). */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid=,stat='], { encoding: 'utf8' });
  const rows = table
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .map(([p, pp, stat]) => ({ pid: Number(p), ppid: Number(pp), stat: stat ?? '' }));
  const found: number[] = [];
  const walk = (parent: number): void => {
    for (const row of rows) {
      if (row.ppid === parent && !row.stat.startsWith('Z')) {
        found.push(row.pid);
        walk(row.pid);
      }
    }
  };
  walk(pid);
  return found;
}

async function browserPool(
  options: Parameters<typeof createBrowserPool>[2] = {},
): Promise<{ warden: Warden; browsers: BrowserPool }> {
  const warden = createWarden({ database: ':memory:' });
  const browsers = createBrowserPool(warden, 'browsers', {
    launch: { executablePath, args },
    max: 2,
    ...options,
  });
  await warden.start();
  return { warden, browsers };
}

describe('browser pool (real Chromium)', () => {
  it('serves real pages, each lease a fresh context, cleaned up page then context', async () => {
    const { warden, browsers } = await browserPool();
    try {
      const order: string[] = [];
      const titles = await Promise.all(
        ['/a', '/b', '/c'].map((path) =>
          browsers.use(async ({ page, context }) => {
            page.on('close', () => order.push(`page ${path}`));
            context.on('close', () => order.push(`context ${path}`));
            await page.goto(`${base}${path}`);
            return page.title();
          }),
        ),
      );
      expect(titles).toEqual(['page /a', 'page /b', 'page /c']);
      for (const path of ['/a', '/b', '/c']) {
        expect(order.indexOf(`page ${path}`)).toBeLessThan(order.indexOf(`context ${path}`));
      }
      expect(browsers.stats).toMatchObject({ size: 2, leased: 0 });
    } finally {
      await warden.stop();
    }
  });

  it('replaces a browser whose process is SIGKILLed from outside', async () => {
    const { warden, browsers } = await browserPool({ max: 1 });
    try {
      const first = await browsers.use(async ({ page }) => {
        await page.goto(`${base}/one`);
        return page.title();
      });
      expect(first).toBe('page /one');
      const killed = await browsers.pool.acquire();
      const victim = killed.resource.pid ?? 0;
      killed.release();
      // The pool hears the exit: the slot exits abnormally and its supervisor recreates it.
      const replaced = new Promise<void>((resolve) => {
        warden.on('actor.exited', (event) => {
          if (event.actorId.startsWith('pool:browsers/') && event.reason === 'abnormal') resolve();
        });
      });
      process.kill(victim, 'SIGKILL');
      await replaced;
      const title = await browsers.use(async ({ page }) => {
        await page.goto(`${base}/two`);
        return page.title();
      });
      expect(title).toBe('page /two');
      const now = await browsers.pool.acquire();
      expect(now.resource.pid).not.toBe(victim);
      now.release();
      expect(running(victim)).toBe(false);
      expect(browsers.stats.errors.broken).toBeGreaterThanOrEqual(1);
    } finally {
      await warden.stop();
    }
  });

  it('cleans up page, then context, then (when recycled) the browser', async () => {
    const { warden, browsers } = await browserPool({ max: 1, maxUses: 1 });
    try {
      const order: string[] = [];
      const exited = new Promise<void>((resolve) => {
        warden.on('actor.exited', (event) => {
          if (event.actorId.startsWith('pool:browsers/')) resolve();
        });
      });
      await browsers.use(async ({ page, context, browser }) => {
        page.on('close', () => order.push('page'));
        context.on('close', () => order.push('context'));
        browser.on('disconnected', () => order.push('browser'));
        await page.goto(`${base}/once`);
      });
      await exited; // used up: retired and destroyed after its one lease
      expect(order).toEqual(['page', 'context', 'browser']);
    } finally {
      await warden.stop();
    }
  });

  it('recycles a browser after maxUses', async () => {
    const { warden, browsers } = await browserPool({ max: 1, maxUses: 2 });
    try {
      const pids: (number | undefined)[] = [];
      for (let i = 0; i < 3; i++) {
        const lease = await browsers.pool.acquire();
        pids.push(lease.resource.pid);
        lease.release();
      }
      expect(pids[0]).toBe(pids[1]);
      expect(pids[2]).not.toBe(pids[0]);
    } finally {
      await warden.stop();
    }
  });

  it('leaves no Chromium process of the pool running after stop()', async () => {
    const { warden, browsers } = await browserPool({ min: 2 });
    await browsers.use(async ({ page }) => page.goto(`${base}/x`));
    const leases = [await browsers.pool.acquire(), await browsers.pool.acquire()];
    const pids = leases.map((lease) => lease.resource.pid ?? 0);
    for (const lease of leases) lease.release();
    const children = pids.flatMap((pid) => descendants(pid));
    expect(children.length).toBeGreaterThan(0);
    await warden.stop();
    for (const pid of [...pids, ...children]) expect(running(pid)).toBe(false);
  });
});

import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type BrowserServer,
  type BrowserType,
  type LaunchOptions,
  type Page,
} from 'playwright-core';
import type { Pool, PoolStats } from '../actors/pool.js';
import { poolOptionKeys, type PoolOptions } from '../actors/poolOptions.js';
import {
  BrowserCleanupError,
  coerceError,
  InvalidOptionError,
  ResourceLostError,
} from '../errors.js';
import { checkInteger, checkKeys, checkObject } from '../options.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { Warden } from '../facade/Warden.js';

/** One pooled browser: its server process and the connection to it. */
export interface PooledBrowser {
  readonly browser: Browser;
  readonly server: BrowserServer;
  /** The browser process's id, for watching it from outside. */
  readonly pid: number | undefined;
}

/** What a browser pool's `use` hands the work: a fresh context and page on a pooled browser. */
export interface BrowserLease {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly browser: Browser;
  /** Aborted by the caller's signal, or when the browser dies under the work. */
  readonly signal: AbortSignal;
}

/** Options of `createBrowserPool`. */
export interface BrowserPoolOptions extends Pick<
  PoolOptions<PooledBrowser>,
  | 'min'
  | 'max'
  | 'acquireTimeoutMs'
  | 'idleTimeoutMs'
  | 'maxUses'
  | 'maxAgeMs'
  | 'createTimeoutMs'
  | 'healthCheckIntervalMs'
  | 'saturation'
  | 'drainTimeoutMs'
  | 'createBackoff'
  | 'supervision'
> {
  /** How browsers are launched (`executablePath`, `args`, ...). @default headless, no options */
  readonly launch?: LaunchOptions;
  /** The options of each lease's fresh context. */
  readonly context?: BrowserContextOptions;
  /** Each close (page, context, browser) may take this long before the next step, or a kill. @default 5000 */
  readonly closeTimeoutMs?: number;
  /** The browser type. @default playwright-core's chromium */
  readonly browserType?: BrowserType;
}

/** A pool of browsers, each lease a fresh context and page. */
export interface BrowserPool {
  /** The underlying pool of browsers (stats, drain). */
  readonly pool: Pool<PooledBrowser>;
  readonly stats: PoolStats;
  /**
   * Runs `fn` with a fresh context and page on a pooled browser, then closes them, page first,
   * each within `closeTimeoutMs`; a browser whose cleanup hangs, or that died, is destroyed and
   * replaced. A browser is recycled after `maxUses` leases or `maxAgeMs`.
   */
  use<T>(
    fn: (lease: BrowserLease) => T | Promise<T>,
    options?: { readonly signal?: AbortSignal },
  ): Promise<T>;
}

const ownKeys = ['launch', 'context', 'closeTimeoutMs', 'browserType'] as const;
/** The browser pool makes, checks and destroys its browsers itself: these pool options are its own. */
const ownedByThePool: readonly string[] = [
  'create',
  'destroy',
  'validate',
  'isBroken',
  'validateOnBorrow',
  'destroyTimeoutMs',
  'validateTimeoutMs',
];
const poolKeys = poolOptionKeys.filter((key) => !ownedByThePool.includes(key));

/** Resolves with true once `work` settles, or with false after `ms` on `clock`. */
async function within(clock: Clock, work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = clock.setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}

/** Kills a browser process for good: SIGKILL, whatever it was doing. */
function kill(server: BrowserServer): void {
  try {
    server.process().kill('SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Creates a pool of browsers named `name` on `warden` (a supervised pool under `pools`): each
 * browser runs as its own server process, watched for crashes and kills from outside; each lease
 * gets a fresh context and page, cleaned up page → context, and a browser is closed → killed.
 */
export function createBrowserPool(
  warden: Warden,
  name: string,
  input: BrowserPoolOptions = {},
): BrowserPool {
  const maybe = warden as unknown;
  if (
    typeof maybe !== 'object' ||
    maybe === null ||
    typeof (maybe as { pool?: unknown }).pool !== 'function'
  ) {
    throw new InvalidOptionError('warden', 'a Warden from createWarden()', maybe);
  }
  const options = checkObject(`createBrowserPool('${name}') options`, input);
  checkKeys(`createBrowserPool('${name}')`, options, [...ownKeys, ...poolKeys]);
  const closeTimeoutMs = checkInteger(
    `createBrowserPool('${name}').closeTimeoutMs`,
    options['closeTimeoutMs'] ?? 5000,
    1,
    2_147_483_647,
  );
  const browserType = (options['browserType'] ?? chromium) as BrowserType;
  if (typeof browserType.launchServer !== 'function') {
    throw new InvalidOptionError(
      `createBrowserPool('${name}').browserType`,
      'a playwright BrowserType',
      browserType,
    );
  }
  const launch = checkObject(
    `createBrowserPool('${name}').launch`,
    options['launch'],
  ) as LaunchOptions;
  const contextOptions = checkObject(
    `createBrowserPool('${name}').context`,
    options['context'],
  ) as BrowserContextOptions;
  const { clock } = warden.options;
  const poolOptions: Record<string, unknown> = {};
  for (const key of poolKeys) if (options[key] !== undefined) poolOptions[key] = options[key];

  const pool = warden.pool<PooledBrowser>(name, {
    ...(poolOptions as Partial<PoolOptions<PooledBrowser>>),
    // Closing the browser, then its server, each within closeTimeoutMs, then the kill.
    destroyTimeoutMs: 3 * closeTimeoutMs,
    create: async ({ lost, signal }) => {
      const server = await browserType.launchServer({
        headless: true,
        ...launch,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
      const process = server.process();
      // Given up (a stop, or the create timeout) while it launched: killed at once.
      if (signal.aborted) {
        kill(server);
        throw coerceError(signal.reason);
      }
      process.once('exit', (code, exitSignal) => {
        lost(
          new ResourceLostError(name, `the browser process exited (${exitSignal ?? String(code)})`),
        );
      });
      let browser: Browser;
      try {
        browser = await browserType.connect(server.wsEndpoint());
        if (signal.aborted) throw coerceError(signal.reason);
      } catch (error) {
        kill(server);
        throw coerceError(error);
      }
      browser.on('disconnected', () => {
        lost(new ResourceLostError(name, 'the browser disconnected'));
      });
      return { browser, server, pid: process.pid };
    },
    destroy: async ({ browser, server }) => {
      // Close first, the way Playwright means it; whatever does not close in time is killed.
      const process = server.process();
      const exited =
        process.exitCode !== null || process.signalCode !== null
          ? Promise.resolve()
          : new Promise<void>((resolve) => process.once('exit', () => resolve()));
      if (!(await within(clock, browser.close(), closeTimeoutMs))) kill(server);
      if (!(await within(clock, server.close(), closeTimeoutMs))) kill(server);
      if (!(await within(clock, exited, 1))) kill(server);
      await within(clock, exited, closeTimeoutMs); // gone before destroy resolves
    },
    isBroken: (error) =>
      error instanceof BrowserCleanupError ||
      /Target (page, context or browser )?(has been )?closed|Browser has been closed/i.test(
        error.message,
      ),
  });

  return {
    pool,
    get stats() {
      return pool.stats;
    },
    async use(fn, useOptions = {}) {
      if (typeof fn !== 'function')
        throw new InvalidOptionError('fn', 'a function of a browser lease', fn);
      const callerSignal = useOptions.signal;
      const lease = await pool.acquire(
        callerSignal === undefined ? undefined : { signal: callerSignal },
      );
      const { browser } = lease.resource;
      const signal =
        callerSignal === undefined ? lease.signal : AbortSignal.any([callerSignal, lease.signal]);
      let context: BrowserContext | undefined;
      let page: Page | undefined;
      let failure: unknown;
      let value: unknown;
      try {
        context = await browser.newContext(contextOptions);
        page = await context.newPage();
        value = await fn({ page, context, browser, signal });
      } catch (error) {
        failure = error;
      }
      // Page first, then its context; a close that hangs marks the browser broken.
      let cleanup: Error | undefined;
      if (page !== undefined && !(await within(clock, page.close(), closeTimeoutMs))) {
        cleanup = new BrowserCleanupError('page', closeTimeoutMs);
      }
      if (context !== undefined && !(await within(clock, context.close(), closeTimeoutMs))) {
        cleanup ??= new BrowserCleanupError('context', closeTimeoutMs);
      }
      if (cleanup !== undefined) lease.fail(cleanup);
      else if (failure !== undefined) lease.fail(failure);
      else {
        try {
          lease.release();
        } catch {
          // the browser died meanwhile: the pool took the lease back
        }
      }
      if (failure !== undefined) throw coerceError(failure);
      return value as never;
    },
  };
}

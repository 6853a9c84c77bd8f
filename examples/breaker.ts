/**
 * A circuit breaker in front of a flaky HTTP service on 127.0.0.1, with the breaker-aware cache
 * and a job type that waits while the breaker is open.
 *
 *   npm run example:breaker
 *
 * The service answers for 1 s, fails for 2 s, then answers again. Reads go through
 * `breaker.cached`: fresh values while the service is up, the last good value marked stale while
 * the breaker is open. `price.sync` jobs name the breaker, so they wait, spending no attempts,
 * until it half-opens; one trial job then closes it and the rest follow.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWarden } from '../src/index.js';

const startedAt = Date.now();
const elapsed = (): string => `${((Date.now() - startedAt) / 1000).toFixed(1)}s`;
const serviceDown = (): boolean => {
  const t = Date.now() - startedAt;
  return t > 1000 && t < 3000;
};

let price = 100;
const server = createServer((_req, res) => {
  if (serviceDown()) {
    res.writeHead(503).end('down');
    return;
  }
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ price: ++price }));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/price`;

async function fetchPrice(signal: AbortSignal): Promise<number> {
  const res = await fetch(url, { signal });
  if (!res.ok) throw new Error(`pricing answered ${res.status}`);
  return ((await res.json()) as { price: number }).price;
}

const warden = createWarden({ database: ':memory:', concurrency: 4 });
const pricing = warden.breaker('pricing', {
  consecutiveFailures: 3,
  openMs: 1000,
  timeoutMs: 500,
  halfOpen: { calls: 1, successes: 1 },
});
/** The cause a breaker records, in a few words. */
const why = (cause: unknown): string => {
  const { reason, rule } = cause as { reason: string; rule?: string };
  return rule === undefined ? reason : `${reason}: ${rule}`;
};
warden.on('breaker.opened', (e) =>
  console.log(`${elapsed()} breaker opened (${why(e.cause)}) until +${e.openUntil - e.at} ms`),
);
warden.on('breaker.half-opened', () => console.log(`${elapsed()} breaker half-open: one trial`));
warden.on('breaker.closed', () => console.log(`${elapsed()} breaker closed`));

const synced: string[] = [];
warden.defineJob<{ sku: string }>('price.sync', {
  breaker: 'pricing',
  retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 200 } },
  run: async ({ sku }, ctx) => {
    const value = await fetchPrice(ctx.signal);
    synced.push(`${sku}@${elapsed()} (attempt ${ctx.attempt})`);
    return value;
  },
});
await warden.start();

for (let tick = 0; tick < 25; tick++) {
  if (tick === 12) {
    // The breaker is open now: these jobs wait for it instead of failing.
    await warden.enqueueMany(
      ['a', 'b', 'c'].map((sku) => ({ type: 'price.sync', payload: { sku } })),
    );
    console.log(`${elapsed()} enqueued 3 price.sync jobs while the breaker is ${pricing.state}`);
  }
  try {
    const read = await pricing.cached('price', fetchPrice, { ttlMs: 150 });
    console.log(
      `${elapsed()} price ${read.value} ${read.stale ? `STALE (${read.ageMs} ms old)` : read.fromCache ? 'cached' : 'fresh'}`,
    );
  } catch (error) {
    console.log(`${elapsed()} no price: ${(error as Error).message}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}

for (const job of await warden.listJobs({ type: 'price.sync' })) await warden.waitForJob(job.id);
console.log(`synced: ${synced.join(', ')}`);
console.log(`stats: ${JSON.stringify(pricing.stats)}`);
console.log('history:');
for (const change of pricing.history()) {
  console.log(`  ${change.from ?? '-'} -> ${change.to}: ${why(change.cause)}`);
}
await warden.stop();
server.close();

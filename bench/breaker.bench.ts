/**
 * The breaker benchmark: the overhead per call of a closed circuit breaker, over `calls`
 * sequential calls of `async () => 1`, for Warden, opossum and cockatiel against a direct call, all
 * in one process. Each round runs every contender once, in a rotating order; the table shows
 * medians. Not a test: it reads real time and prints numbers.
 *
 *   npm run bench:breaker              # 5 rounds, 1,000,000 calls
 *   npm run bench:breaker -- 7 2000000 # 7 rounds, 2,000,000 calls
 */
import { performance } from 'node:perf_hooks';
import { CountBreaker, circuitBreaker, handleAll } from 'cockatiel';
import CircuitBreaker from 'opossum';
import { createWarden } from '../src/index.js';
import { median } from './median.js';

const rounds = Number(process.argv[2] ?? 5);
const calls = Number(process.argv[3] ?? 1_000_000);

const work = async (): Promise<number> => 1;

const warden = createWarden({ database: ':memory:' });
await warden.start();
// Defaults: a count window of 20 calls, failure rate 50 %, no timeout.
const wardenBreaker = warden.breaker('bench');
// opossum's timeout is on by default (a timer per call); it is off here so that every
// contender does the same work: count the outcome, no timer.
const opossum = new CircuitBreaker(work, { timeout: false });
// The same policy as Warden's default: failure rate 50 % over the last 20 calls, at least 10.
const cockatiel = circuitBreaker(handleAll, {
  halfOpenAfter: 30_000,
  breaker: new CountBreaker({ threshold: 0.5, size: 20, minimumNumberOfCalls: 10 }),
});

const contenders: Record<string, () => Promise<unknown>> = {
  direct: () => work(),
  warden: () => wardenBreaker.call(work),
  opossum: () => opossum.fire(),
  cockatiel: () => cockatiel.execute(work),
};

async function time(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) await run();
  return performance.now() - started;
}

// Warm every path up before measuring.
for (const run of Object.values(contenders)) {
  for (let i = 0; i < 50_000; i++) await run();
}

const names = Object.keys(contenders);
const totals: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  const order = names.map((_, i) => names[(i + round) % names.length] ?? 'direct');
  for (const name of order) {
    const run = contenders[name];
    if (run !== undefined) totals[name]?.push(await time(run));
  }
}

const direct = median(totals['direct'] ?? []);
console.log(
  `${calls} sequential calls of async () => 1 through a closed breaker, medians of ${rounds} rounds, Node ${process.version}`,
);
console.table(
  names.map((name) => {
    const ms = median(totals[name] ?? []);
    return {
      name,
      'ns per call': Math.round((ms * 1e6) / calls),
      'overhead ns per call': name === 'direct' ? 0 : Math.round(((ms - direct) * 1e6) / calls),
      'calls/s': Math.round(calls / (ms / 1000)),
    };
  }),
);
const overhead = (name: string): number => median(totals[name] ?? []) - direct;
console.log(
  `warden's overhead is ${(overhead('warden') / overhead('cockatiel')).toFixed(2)}x cockatiel's and ${(overhead('warden') / overhead('opossum')).toFixed(2)}x opossum's`,
);
console.log(`warden stats: ${JSON.stringify(wardenBreaker.stats)}`);
await warden.stop();

/**
 * The pool benchmark: `cycles` acquire-and-release cycles over a pool of `max` 10 resources, from
 * 10 concurrent loops, for Warden, tarn and generic-pool in one process. Each round runs every
 * contender once, in a rotating order; the table shows medians. Not a test: it reads real time.
 *
 *   npm run bench:pool               # 5 rounds, 1,000,000 cycles
 *   npm run bench:pool -- 3 200000   # 3 rounds, 200,000 cycles
 */
import { performance } from 'node:perf_hooks';
import { createPool } from 'generic-pool';
import { Pool as TarnPool } from 'tarn';
import { createWarden } from '../src/index.js';
import { median } from './median.js';

const rounds = Number(process.argv[2] ?? 5);
const cycles = Number(process.argv[3] ?? 1_000_000);
const loops = 10;
const max = 10;

let made = 0;
const resource = (): { id: number } => ({ id: ++made });

const warden = createWarden({ database: ':memory:' });
const wardenPool = warden.pool('bench', { create: resource, max });
await warden.start();
const generic = createPool(
  { create: async () => resource(), destroy: async () => undefined },
  { max, min: 0 },
);
const tarn = new TarnPool({
  create: (done: (error: Error | null, r: unknown) => void) => done(null, resource()),
  destroy: () => undefined,
  min: 0,
  max,
});

interface Contender {
  cycle(): Promise<void>;
}
const contenders: Record<string, Contender> = {
  warden: {
    async cycle() {
      const lease = await wardenPool.acquire();
      lease.release();
    },
  },
  tarn: {
    async cycle() {
      const r = await tarn.acquire().promise;
      tarn.release(r);
    },
  },
  'generic-pool': {
    async cycle() {
      const r = await generic.acquire();
      await generic.release(r);
    },
  },
};

async function time(contender: Contender, count: number): Promise<number> {
  let left = count;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (left-- > 0) await contender.cycle();
    }),
  );
  return performance.now() - started;
}

for (const contender of Object.values(contenders)) await time(contender, 50_000); // warm up

const names = Object.keys(contenders);
const totals: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + round) % names.length] ?? 'warden';
    const contender = contenders[name];
    if (contender !== undefined) totals[name]?.push(await time(contender, cycles));
  }
}
console.log(
  `${cycles} acquire/release cycles, max ${max}, ${loops} concurrent loops, medians of ${rounds} rounds, Node ${process.version}`,
);
console.table(
  names.map((name) => {
    const ms = median(totals[name] ?? []);
    return {
      name,
      'ns per cycle': Math.round((ms * 1e6) / cycles),
      'cycles/s': Math.round(cycles / (ms / 1000)),
    };
  }),
);
const ns = (name: string): number => median(totals[name] ?? []);
console.log(
  `warden takes ${(ns('warden') / ns('tarn')).toFixed(2)}x tarn's time and ${(ns('warden') / ns('generic-pool')).toFixed(2)}x generic-pool's`,
);
console.log(
  `warden pool: ${JSON.stringify({ ...wardenPool.stats, resources: wardenPool.stats.resources.length })}`,
);
await warden.stop();
await generic.drain();
await tarn.destroy();

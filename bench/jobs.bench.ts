/**
 * The job-runtime benchmark: 20,000 no-op jobs enqueued in bulk, then processed at concurrency 8
 * on a file database, for Warden and for plainjob in the same run. Prints a table and the ratio of
 * end-to-end rates. Not a test: it reads real time and prints numbers.
 *
 *   npm run bench                 # 3 rounds, 20,000 jobs
 *   npm run bench -- 5 50000      # 5 rounds, 50,000 jobs
 *   npm run bench -- 3 20000 64   # concurrency 64
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchPlainjob, type QueueBenchResult } from './plainjob.js';
import { median } from './median.js';
import { benchWarden } from './warden.js';

const rounds = Number(process.argv[2] ?? 3);
const jobs = Number(process.argv[3] ?? 20_000);
const concurrency = Number(process.argv[4] ?? 8);
const file = (name: string): string => join(tmpdir(), `warden-bench-${name}.db`);

const results: QueueBenchResult[] = [];
for (let round = 0; round < rounds; round++) {
  results.push(await benchPlainjob({ jobs, concurrency, file: file('plainjob') }));
  results.push(
    await benchWarden({ jobs, concurrency, file: file('normal'), synchronous: 'normal' }),
  );
  results.push(await benchWarden({ jobs, concurrency, file: file('full'), synchronous: 'full' }));
}

const names = [...new Set(results.map((r) => r.name))];
const rows = names.map((name) => {
  const mine = results.filter((r) => r.name === name);
  return {
    name,
    'enqueue jobs/s': Math.round(median(mine.map((r) => r.enqueuePerSec))),
    'process jobs/s': Math.round(median(mine.map((r) => r.processPerSec))),
    'end-to-end jobs/s': Math.round(median(mine.map((r) => r.endToEndPerSec))),
    'peak RSS MB': Math.round(Math.max(...mine.map((r) => r.peakRssMb))),
  };
});
console.log(
  `${jobs} no-op jobs, concurrency ${concurrency}, medians of ${rounds} rounds, Node ${process.version}`,
);
console.table(rows);
const base = rows.find((r) => r.name === 'plainjob')?.['end-to-end jobs/s'] ?? Number.NaN;
for (const row of rows) {
  if (row.name === 'plainjob') continue;
  console.log(`${row.name}: ${(row['end-to-end jobs/s'] / base).toFixed(2)}x plainjob end to end`);
}

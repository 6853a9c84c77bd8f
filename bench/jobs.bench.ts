/**
 * The job-runtime benchmark (issue 9, "Must show"), plainjob in the same run. Prints tables; not a
 * test: it reads real time.
 *
 * - End to end: `--jobs` no-op jobs enqueued in bulk into a fresh file, then run; Warden with
 *   `synchronous: 'normal'` (plainjob's level) and `'full'`, at concurrency 1, 8 and 64, beside
 *   plainjob at the same concurrency. The headline is concurrency 8, `normal` (target 3×).
 * - Bulk enqueue: Warden's `enqueueMany` against plainjob's `addMany`, nothing else running.
 * - Claim depth: end to end at concurrency 8 for each `--depths`, and what the depth costs a job
 *   of higher priority enqueued into a backlog that is already claimed ahead of it.
 * - Idle latency: `--samples` sequential enqueues on an idle Warden (target p99 < 1 ms).
 * - Peak RSS: each peer's run in a fresh child process.
 * - Heap per queued job: `--queued` jobs held in the queue (target about 0 bytes).
 *
 * Throughput figures are medians of `--rounds` rounds; each round runs every configuration once,
 * the peers one after the other. Run with `node --expose-gc` (the npm script does) for the heap.
 *
 *   npm run bench
 *   npm run bench -- --rounds 5 --jobs 50000 --queued 200000 --samples 2000 --depths 8,64,512
 */
import Database from 'better-sqlite3';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchWardenEnqueueMany } from './bulkEnqueue.js';
import { measureIdleLatency, measureThreadRoundTrip, type LatencyStats } from './idleLatency.js';
import { median } from './median.js';
import { peakRssInChild, type PeakRssRun } from './peakRss.js';
import { benchPlainjob, benchPlainjobAddMany, type QueueBenchResult } from './plainjob.js';
import { measureQueuedHeap } from './queuedHeap.js';
import { benchWarden, type WardenBenchResult } from './warden.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    jobs: { type: 'string', default: '20000' },
    queued: { type: 'string', default: '1000000' },
    samples: { type: 'string', default: '1000' },
    depths: { type: 'string', default: '8,32,128,512' },
  },
});
function count(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Expected --${name} to be a whole number from 1 and up, got \`${text}\``);
  }
  return value;
}
const rounds = count('rounds', args.rounds);
const jobs = count('jobs', args.jobs);
const queued = count('queued', args.queued);
const samples = count('samples', args.samples);
const depths = args.depths.split(',').map((depth) => count('depths', depth));

const file = (name: string): string => join(tmpdir(), `warden-bench-${name}-${process.pid}.db`);
const gc = (globalThis as { gc?: () => void }).gc;
const collect = (): void => gc?.();
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ratio = (n: number): string => `${n.toFixed(2)}x`;

const sqlite = new Database(':memory:');
const sqliteVersion = (sqlite.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
sqlite.close();
const loadBefore = loadavg()[0] ?? 0;
console.log(
  `host: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), Node ${process.version}, SQLite ${sqliteVersion}`,
);
console.log(
  `workload: ${fmt(jobs)} no-op jobs, bulk enqueue, a file database; medians of ${rounds} rounds; load average (1 min) ${loadBefore.toFixed(1)} at the start`,
);
const began = performance.now();

// ---- rounds: end to end, claim depth, bulk enqueue ------------------------------------------------
interface Config {
  readonly key: string;
  run(): Promise<QueueBenchResult | WardenBenchResult>;
}
const peer = (concurrency: number): Config => ({
  key: `plainjob c${concurrency}`,
  run: () => benchPlainjob({ jobs, concurrency, file: file('plainjob') }),
});
const warden = (
  concurrency: number,
  synchronous: 'full' | 'normal',
  claimDepth?: number,
): Config => {
  const key =
    claimDepth === undefined
      ? `warden ${synchronous} c${concurrency}`
      : `warden normal c8 depth ${claimDepth}`;
  return {
    key,
    run: () =>
      benchWarden({
        name: key,
        jobs,
        concurrency,
        synchronous,
        file: file('warden'),
        ...(claimDepth === undefined ? {} : { claimDepth, probePriority: true }),
      }),
  };
};
const configs: readonly Config[] = [
  peer(8),
  warden(8, 'normal'),
  warden(8, 'full'),
  peer(1),
  warden(1, 'normal'),
  peer(64),
  warden(64, 'normal'),
  ...depths.map((depth) => warden(8, 'normal', depth)),
];

const results = new Map<string, (QueueBenchResult | WardenBenchResult)[]>();
const bulk = { plainjob: [] as number[], normal: [] as number[], full: [] as number[] };
for (let round = 0; round < rounds; round++) {
  for (const config of configs) {
    collect();
    const result = await config.run();
    results.set(config.key, [...(results.get(config.key) ?? []), result]);
  }
  collect();
  bulk.plainjob.push(benchPlainjobAddMany({ jobs, file: file('addmany') }));
  collect();
  bulk.normal.push(
    await benchWardenEnqueueMany({ jobs, file: file('bulk'), synchronous: 'normal' }),
  );
  collect();
  bulk.full.push(await benchWardenEnqueueMany({ jobs, file: file('bulk'), synchronous: 'full' }));
}
const of = (key: string, pick: (r: QueueBenchResult | WardenBenchResult) => number): number =>
  median((results.get(key) ?? []).map(pick));
const endToEnd = (key: string): number => of(key, (r) => r.endToEndPerSec);

console.log(`\nEnd to end: ${fmt(jobs)} no-op jobs (rate over the whole span, enqueue included)`);
const e2eKeys = [
  ['plainjob c8', 'plainjob c8'],
  ['warden normal c8', 'plainjob c8'],
  ['warden full c8', 'plainjob c8'],
  ['plainjob c1', 'plainjob c1'],
  ['warden normal c1', 'plainjob c1'],
  ['plainjob c64', 'plainjob c64'],
  ['warden normal c64', 'plainjob c64'],
] as const;
console.table(
  Object.fromEntries(
    e2eKeys.map(([key, base]) => [
      key,
      {
        'end-to-end jobs/s': fmt(endToEnd(key)),
        'x plainjob': key === base ? '' : ratio(endToEnd(key) / endToEnd(base)),
        'enqueue jobs/s': fmt(of(key, (r) => r.enqueuePerSec)),
        'process jobs/s': fmt(of(key, (r) => r.processPerSec)),
        'CPU µs/job': fmt(
          of(key, (r) => r.cpuUsPerJob),
          1,
        ),
        'main loop busy µs/job': fmt(
          of(key, (r) => r.mainUsPerJob),
          1,
        ),
      },
    ]),
  ),
);
const headline = endToEnd('warden normal c8') / endToEnd('plainjob c8');
console.log(
  `headline (concurrency 8, synchronous 'normal'): Warden ${fmt(endToEnd('warden normal c8'))} jobs/s end to end, ${ratio(headline)} plainjob (target 3x): ${headline >= 3 ? 'met' : 'NOT met'}`,
);
console.log(
  'CPU µs/job: CPU time of the whole process (every thread: for Warden, its SQLite writer thread too) over the span; main loop busy µs/job: wall time the main event loop was not idle (it includes time the OS gave other processes, so it can exceed CPU on a loaded host).',
);

console.log(`\nBulk enqueue: ${fmt(jobs)} jobs in one call into a fresh file, nothing running`);
const addMany = (jobs * 1000) / median(bulk.plainjob);
const bulkRow = (ms: readonly number[]) => {
  const perSec = (jobs * 1000) / median(ms);
  return { 'jobs/s': fmt(perSec), ms: fmt(median(ms), 1), 'x addMany': ratio(perSec / addMany) };
};
console.table({
  'plainjob addMany': {
    'jobs/s': fmt(addMany),
    ms: fmt(median(bulk.plainjob), 1),
    'x addMany': '',
  },
  'warden enqueueMany (normal)': bulkRow(bulk.normal),
  'warden enqueueMany (full)': bulkRow(bulk.full),
});

console.log(
  `\nClaim depth at concurrency 8 (synchronous 'normal'; default depth ${4 * 8}): end to end, and a job of priority 1 enqueued once a quarter of the backlog has succeeded`,
);
console.table(
  Object.fromEntries(
    depths.map((depth) => {
      const key = `warden normal c8 depth ${depth}`;
      const probes = (results.get(key) ?? []).flatMap((r) =>
        'priority' in r && r.priority !== undefined ? [r.priority] : [],
      );
      return [
        `depth ${depth}`,
        {
          'end-to-end jobs/s': fmt(endToEnd(key)),
          'x plainjob': ratio(endToEnd(key) / endToEnd('plainjob c8')),
          'priority job: enqueue to start ms': fmt(median(probes.map((p) => p.ms)), 2),
          'backlog jobs started first': fmt(median(probes.map((p) => p.overtaken))),
        },
      ];
    }),
  ),
);

// ---- once: idle latency, peak RSS, heap per queued job ---------------------------------------------
console.log(
  `\nIdle latency: ${fmt(samples)} sequential enqueues on an idle Warden (concurrency 8), ms (target: p99 to handler start < 1 ms with 'normal')`,
);
const latency: Record<string, Record<string, string>> = {};
for (const synchronous of ['normal', 'full'] as const) {
  collect();
  const result = await measureIdleLatency({ samples, file: file('idle'), synchronous });
  const row = (name: string, s: LatencyStats): void => {
    latency[`${synchronous}: enqueue to ${name}`] = {
      p50: fmt(s.p50, 3),
      p99: fmt(s.p99, 3),
      max: fmt(s.max, 3),
    };
  };
  row('handler start', result.toHandlerStart);
  row('enqueue resolved', result.toEnqueueResolved);
  row('job.succeeded', result.toSucceeded);
  row(
    `handler start, without the ${result.checkpointed} whose commit checkpointed`,
    result.toHandlerStartWithoutCheckpoints,
  );
}
const control = await measureThreadRoundTrip(samples);
latency['control: a worker thread round trip'] = {
  p50: fmt(control.p50, 3),
  p99: fmt(control.p99, 3),
  max: fmt(control.max, 3),
};
console.table(latency);

console.log(
  `\nPeak RSS: one run of ${fmt(jobs)} jobs at concurrency 8 ('normal') in a fresh process each (maxRSS)`,
);
const rssRuns: readonly PeakRssRun[] = [
  { peer: 'baseline', jobs, concurrency: 8 },
  { peer: 'warden-idle', jobs, concurrency: 8 },
  { peer: 'plainjob', jobs, concurrency: 8 },
  { peer: 'warden', jobs, concurrency: 8 },
];
const rss: Record<string, Record<string, string>> = {};
let baselineMb = Number.NaN;
for (const run of rssRuns) {
  const result = await peakRssInChild(run);
  if (run.peer === 'baseline') baselineMb = result.peakRssMb;
  const names = {
    baseline: 'baseline (modules loaded, no run)',
    'warden-idle': 'warden started and stopped, no jobs',
    plainjob: 'plainjob',
    warden: 'warden',
  } as const;
  rss[names[run.peer]] = {
    'peak RSS MB': fmt(result.peakRssMb, 1),
    'above baseline MB': run.peer === 'baseline' ? '' : fmt(result.peakRssMb - baselineMb, 1),
  };
}
console.table(rss);

console.log(
  `\nHeap per queued job: ${fmt(queued)} jobs enqueued (batches of 20,000) behind full slots and claims (concurrency 8, depth 32, handlers held)`,
);
if (gc === undefined) {
  console.log('skipped: run with `node --expose-gc` (npm run bench does)');
} else {
  collect();
  const heap = await measureQueuedHeap({ queued, file: file('heap'), gc });
  console.table({
    'heap used after GC, before': `${fmt(heap.heapBeforeMb, 1)} MB`,
    'heap used after GC, after': `${fmt(heap.heapAfterMb, 1)} MB`,
    'heap per queued job': `${fmt(heap.bytesPerJob, 2)} bytes (target ~0)`,
    'heap + external per queued job': `${fmt(heap.externalBytesPerJob, 2)} bytes`,
    'enqueue rate while filling': `${fmt(heap.enqueuePerSec)} jobs/s`,
    'jobs by status': Object.entries(heap.counts)
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${status} ${fmt(n)}`)
      .join(', '),
  });
}

console.log(
  `\nthis process: peak RSS ${fmt(process.resourceUsage().maxRSS / 1024, 0)} MB; ${fmt(
    (performance.now() - began) / 1000,
    0,
  )} s; load average (1 min) ${(loadavg()[0] ?? 0).toFixed(1)} at the end`,
);

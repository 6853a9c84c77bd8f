/**
 * The read benchmark: getJob, listJobsPage with each kind of filter (the first page, a deep page
 * by cursor, and a deep page by offset for comparison) and countJobs, on a file database of
 * 1,000,000 jobs of mixed types, statuses and priorities, through the SQLite store's read
 * connection, and a metrics scrape (`warden.metrics()`, `databaseMetrics`) at the same size. Prints p50, p99 and max per read, and what the counts triggers and list indexes
 * cost the write path. Not a test: it reads real time.
 *
 *   npm run bench:reads                 # 1,000,000 jobs, 300 samples a read
 *   npm run bench:reads -- 200000 100   # 200,000 jobs, 100 samples
 *
 * The database (bench/readsDatabase.ts, shared with bench/dashboard.bench.ts) is built once in
 * the temporary directory by bulk SQL in big transactions (the schema's triggers and indexes at
 * work) and reused while its schema and size match.
 */
import Database from 'better-sqlite3';
import { copyFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { jobStatuses, type JobStatus } from '../src/machines/jobMachine.js';
import { encodeJobCursor } from '../src/persistence/jobCursor.js';
import { migrations } from '../src/persistence/schema.js';
import { SqliteStore } from '../src/persistence/sqliteStore.js';
import type { JobFilter } from '../src/persistence/Store.js';
import { createWarden } from '../src/index.js';
import { databaseMetrics } from '../src/observability/metrics/databaseMetrics.js';
import { median } from './median.js';
import { benchDatabase, random, types } from './readsDatabase.js';

const jobs = Number(process.argv[2] ?? 1_000_000);
const samples = Number(process.argv[3] ?? 300);
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

const results: Record<
  string,
  { p50: number; p99: number; max: number; 'cpu p99': number; rows: number }
> = {};

/** Times `n` reads: wall time (what a caller waits) and CPU time (what the read costs here). */
async function measure(name: string, n: number, read: (i: number) => Promise<number>) {
  for (let i = 0; i < Math.min(20, n); i++) await read(i); // warm the statement, JIT and cache
  const times: number[] = [];
  const cpu: number[] = [];
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const used = process.cpuUsage();
    rows = await read(i);
    const spent = process.cpuUsage(used);
    times.push(performance.now() - start);
    cpu.push((spent.user + spent.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const round = (ms: number) => +ms.toFixed(3);
  results[name] = {
    p50: round(median(times)),
    p99: round(percentile(times, 0.99)),
    max: round(times.at(-1) ?? Number.NaN),
    'cpu p99': round(percentile(cpu, 0.99)),
    rows,
  };
}

const loadBefore = loadavg()[0] ?? 0;
const { file, builtMs: built } = benchDatabase(jobs);
const store = new SqliteStore({ filename: file, synchronous: 'normal' });
store.open();
const next = random(42);
const randomId = () => 1 + Math.floor(next() * jobs);

await measure('getJob (random id)', samples, async () =>
  (await store.getJob(String(randomId()))) ? 1 : 0,
);

const filters: readonly (readonly [string, JobFilter])[] = [
  ['all', {}],
  ['status succeeded (80 %)', { status: 'succeeded' }],
  ['status dead (5 %)', { status: 'dead' }],
  ['status running (10 jobs)', { status: 'running' }],
  ['status [dead, cancelled]', { status: ['dead', 'cancelled'] }],
  ['status [queued, claimed, running]', { status: ['queued', 'claimed', 'running'] }],
  ['type type3 (10 %)', { type: 'type3' }],
  ['type rare (0.1 %)', { type: 'rare' }],
  ['type3 + dead', { type: 'type3', status: 'dead' }],
  ['rare + succeeded', { type: 'rare', status: 'succeeded' }],
  ['type3 + [retrying, dead, running]', { type: 'type3', status: ['retrying', 'dead', 'running'] }],
];
const counts = await store.countJobs();
const typeCounts = new Map<string, Record<JobStatus, number>>();
for (const type of types) typeCounts.set(type, await store.countJobs(type));
/** How many jobs a filter matches, from the counts. */
function matching(filter: JobFilter): number {
  const statuses: readonly JobStatus[] =
    filter.status === undefined
      ? jobStatuses
      : typeof filter.status === 'string'
        ? [filter.status]
        : filter.status;
  const source = filter.type === undefined ? counts : typeCounts.get(filter.type);
  return statuses.reduce((sum, status) => sum + (source?.[status] ?? 0), 0);
}

for (const [name, filter] of filters) {
  const page = { ...filter, limit: 100 };
  await measure(
    `${name}: first page`,
    samples,
    async () => (await store.listJobsPage(page)).jobs.length,
  );
  // A cursor anywhere in the middle half of the table: a fresh part of the file each time.
  await measure(`${name}: deep page (cursor)`, samples, async () => {
    const after = encodeJobCursor(Math.floor(jobs * (0.25 + next() / 2)), filter);
    return (await store.listJobsPage({ ...page, after })).jobs.length;
  });
  const offset = Math.floor(matching(filter) / 2);
  await measure(
    `${name}: offset ${offset.toLocaleString('en')}`,
    Math.min(samples, 20),
    async () => (await store.listJobsPage({ ...page, offset })).jobs.length,
  );
}
await measure('countJobs()', samples, async () => Object.keys(await store.countJobs()).length);
await measure(
  "countJobs('type3')",
  samples,
  async () => Object.keys(await store.countJobs('type3')).length,
);
// Held open meanwhile: the writer thread's close can leave nothing else keeping the process up
// while it waits for the thread to exit (the top-level await would never settle).
const hold = setInterval(() => undefined, 1000);
await store.close();
clearInterval(hold);

// The full scan countJobs did before job_counts, for comparison.
const scan = new Database(file, { readonly: true });
const scanStatement = scan.prepare('SELECT status, count(*) AS n FROM jobs GROUP BY status');
await measure('before: countJobs() as a GROUP BY scan', 10, async () => scanStatement.all().length);
scan.close();

// A metrics scrape at this size: warden.metrics() on a Warden that owns a copy of the file (its
// start recovers the jobs left claimed or running, which would change the file the other reads
// reuse), and databaseMetrics on a read-only connection to the file, as the CLI reads it.
const copy = `${file}.metrics`;
for (const suffix of ['', '-wal', '-shm']) rmSync(`${copy}${suffix}`, { force: true });
copyFileSync(file, copy);
const warden = createWarden({ database: copy });
await warden.start();
await measure('warden.metrics()', Math.min(samples, 100), async () =>
  (await warden.metrics()).length > 0 ? 1 : 0,
);
const wardenHold = setInterval(() => undefined, 1000);
await warden.stop({ graceMs: 0 });
clearInterval(wardenHold);
for (const suffix of ['', '-wal', '-shm']) rmSync(`${copy}${suffix}`, { force: true });
const reader = new Database(file, { readonly: true });
await measure('databaseMetrics(db)', Math.min(samples, 100), async () =>
  (await databaseMetrics(reader)).length > 0 ? 1 : 0,
);
reader.close();

/**
 * What migration 8 (counts triggers, list indexes) costs each job on the write path: CPU time
 * per job for an insert, then claim, start and succeed in batches of 64, on an in-memory database
 * at the schema before it and at the current one. The SQL matches the shape, not every column,
 * of the writer's statements.
 */
function writeCost(schema: number): number {
  const n = 40_000;
  const db = new Database(':memory:');
  for (const migration of migrations.slice(0, schema)) {
    if (typeof migration === 'function') migration(db);
    else db.exec(migration);
  }
  const insert = db.prepare(
    `INSERT INTO jobs (type, status, payload, priority, run_at, max_attempts, created_at, updated_at, last_event)
     VALUES (?, 'queued', '{}', 0, 1, 1, 1, 1, 'ENQUEUE')`,
  );
  const move = db.prepare(
    'UPDATE jobs SET status = ?, version = version + 1, last_event = ? WHERE id = ? AND status = ?',
  );
  const started = process.cpuUsage();
  for (let done = 0; done < n; done += 1000) {
    db.transaction(() => {
      for (let i = done; i < done + 1000; i++) insert.run(`type${i % 5}`);
    })();
  }
  const batch = 64;
  const step = db.transaction((b: number) => {
    for (let k = 1; k <= batch; k++) {
      const claim = b * batch + k;
      if (claim <= n) move.run('claimed', 'CLAIM', claim, 'queued');
      if (claim - batch >= 1 && claim - batch <= n)
        move.run('running', 'START', claim - batch, 'claimed');
      if (claim - 2 * batch >= 1 && claim - 2 * batch <= n)
        move.run('succeeded', 'SUCCEED', claim - 2 * batch, 'running');
    }
  });
  for (let b = 0; b <= n / batch + 2; b++) step(b);
  const used = process.cpuUsage(started);
  db.close();
  return (used.user + used.system) / n;
}
const before: number[] = [];
const now: number[] = [];
for (let round = 0; round < 5; round++) {
  before.push(writeCost(migrations.length - 1));
  now.push(writeCost(migrations.length));
}

const size = statSync(file).size;
console.log(
  `${jobs.toLocaleString('en')} jobs (${(size / 2 ** 20).toFixed(0)} MiB, ${
    built === undefined ? 'reused' : `built in ${(built / 1000).toFixed(1)} s`
  }), ${samples} samples a read, limit 100`,
);
console.log(
  `host: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), Node ${process.version}, SQLite ${
    (new Database(':memory:').prepare('SELECT sqlite_version() AS v').get() as { v: string }).v
  }`,
);
console.log(
  `load average (1 min) ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after; times in ms`,
);
console.table(results);
console.log(
  `write path, insert + claim + start + succeed (CPU µs/job, median of 5): before migration 8 ${median(before).toFixed(2)}, with it ${median(now).toFixed(2)}`,
);

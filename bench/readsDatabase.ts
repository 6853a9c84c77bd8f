/**
 * The benchmarks' big Warden file: `jobs` jobs of mixed types, statuses and priorities, built
 * once in the temporary directory by bulk SQL in big transactions (the schema's triggers and
 * indexes at work) and reused while its schema and size match. bench/reads.bench.ts and
 * bench/dashboard.bench.ts share it: `/tmp/warden-bench-reads-<jobs>-v2.db`.
 */
import Database from 'better-sqlite3';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JobStatus } from '../src/machines/jobMachine.js';
import { migrations } from '../src/persistence/schema.js';
import { openDatabase } from '../src/persistence/sqlite/openDatabase.js';

/** The shared file for `jobs` jobs. */
export function benchDatabasePath(jobs: number): string {
  return join(tmpdir(), `warden-bench-reads-${jobs}-v2.db`);
}

/** A small deterministic generator (mulberry32), so every build holds the same jobs. */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Status shares of the table: mostly finished jobs, a backlog, and as many in flight as one
 * owner has at a time (about 40 claimed and 10 running: a claim depth and a concurrency).
 */
const shares: readonly (readonly [JobStatus, number])[] = [
  ['succeeded', 0.8],
  ['queued', 0.08],
  ['dead', 0.05],
  ['scheduled', 0.03],
  ['cancelled', 0.02],
  ['retrying', 0.01995],
  ['claimed', 0.00004],
  ['running', 0.00001],
];
/** Ten common types and one rare one (0.1 % of jobs). */
export const types = [...Array.from({ length: 10 }, (_, i) => `type${i}`), 'rare'];

function pick<T>(next: () => number, weighted: readonly (readonly [T, number])[]): T {
  let r = next();
  for (const [value, share] of weighted) {
    r -= share;
    if (r < 0) return value;
  }
  return (weighted.at(-1) as readonly [T, number])[0];
}

/** Builds the file afresh; returns the ms it took. */
function build(file: string, jobs: number): number {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  openDatabase(file, 'normal', undefined).close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const insert = db.prepare<
    [string, string, string, number, number, number, number, number, number]
  >(
    `INSERT INTO jobs (type, status, payload, priority, run_at, attempt, max_attempts, version,
       created_at, updated_at, last_event, started_at, finished_at)
     VALUES (?, ?, ?, ?, ?, ?, 3, ?, ?, ?, 'ENQUEUE', NULL, NULL)`,
  );
  const next = random(9);
  const typeShares = types.map((type) => [type, type === 'rare' ? 0.001 : 0.0999] as const);
  const start = performance.now();
  const batch = 50_000;
  for (let done = 0; done < jobs; done += batch) {
    db.transaction(() => {
      for (let i = done; i < Math.min(jobs, done + batch); i++) {
        const status = pick(next, shares);
        const at = 1_700_000_000_000 + i * 10;
        const attempt = status === 'queued' || status === 'scheduled' ? 0 : 1;
        insert.run(
          pick(next, typeShares),
          status,
          `{"to":"user${i}@example.com","n":${i}}`,
          Math.floor(next() * 10),
          at,
          attempt,
          attempt * 2,
          at,
          at,
        );
      }
    })();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return performance.now() - start;
}

function reusable(file: string, jobs: number): boolean {
  if (!existsSync(file)) return false;
  const db = new Database(file, { readonly: true });
  try {
    const version = db.pragma('user_version', { simple: true });
    const count = db.prepare('SELECT max(id) FROM jobs').pluck().get();
    return version === migrations.length && count === jobs;
  } catch {
    return false;
  } finally {
    db.close();
  }
}

/** The file for `jobs` jobs, built unless one of this schema and size is there already. */
export function benchDatabase(jobs: number): { file: string; builtMs: number | undefined } {
  const file = benchDatabasePath(jobs);
  return { file, builtMs: reusable(file, jobs) ? undefined : build(file, jobs) };
}

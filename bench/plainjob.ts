/**
 * Baseline benchmark: plainjob@0.0.14 (SQLite-backed job queue) on the same workload Warden runs.
 *
 * Workload: `jobs` no-op jobs are bulk-enqueued into a fresh on-disk SQLite file, then processed
 * at concurrency `concurrency` until every job is marked done in the database.
 *
 * How the plainjob API is used (read from node_modules/plainjob/src/{queue,worker}.ts):
 *
 * - Bulk enqueue: `queue.addMany(type, data[])` is the documented bulk path. It serializes every
 *   payload with JSON.stringify and inserts all rows inside one better-sqlite3 transaction, so it
 *   is a single commit. The payload array is built before the clock starts (it is caller data).
 *
 * - Durability: `defineQueue` always sets `journal_mode = WAL`, `synchronous = 1` (NORMAL) and
 *   `busy_timeout = 5000`. We leave those untouched: that is plainjob's normal durability.
 *
 * - Concurrency: a plainjob worker has no concurrency option. Its `start()` loop claims one job
 *   (`getAndMarkJobAsProcessing`, a BEGIN IMMEDIATE transaction), `await`s the processor, marks
 *   the job done, then loops; so one worker runs exactly one job at a time. The fair equivalent of
 *   "concurrency 8" in one process is therefore 8 workers sharing one queue (one connection).
 *   better-sqlite3 is synchronous, so the workers interleave only at their `await` points; with
 *   no-op jobs this is an 8-way round-robin of claim -> run -> mark-done on the event loop thread,
 *   which is also what an in-process queue with 8 job slots does. (plainjob's README suggests
 *   forking processes for parallelism; that is a different workload and is not measured here.)
 *
 * - Poll interval: `pollIntervall` (sic) is only used when a worker finds no due job; it then
 *   sleeps that long. All jobs are enqueued before the workers start, so while there is a backlog
 *   no worker ever sleeps and the interval has no effect on throughput. It can matter only in the
 *   tail (workers that find nothing while the last claimed jobs finish), and completion is not
 *   detected by polling (see below), so it cannot delay the measured end. We set it to 1 ms, the
 *   smallest value Node's timers honour (setTimeout(0) is clamped to 1 ms), instead of the 1000 ms
 *   default, so no idle worker adds latency anywhere.
 *
 * - Completion: workers accept an `onCompleted(job)` callback that plainjob calls right after
 *   `markJobAsDone` (an autocommit UPDATE, so the row is committed when the callback runs). We
 *   count completions there (and failures via `onFailed`); the process phase ends the moment the
 *   count reaches `jobs`. No polling of `countJobs` is needed; it is used once afterwards, outside
 *   the timed region, to verify every row really has status Done.
 *
 * - Shutdown: `worker.stop()` clears the loop flag and cancels a pending sleep; `start()`'s promise
 *   resolves once the loop exits. We await both, then `queue.close()`, which clears plainjob's
 *   (non-unref'd) 60 s maintenance interval and closes the database, so the process can exit.
 *
 * - Logging: plainjob defaults to `console` and calls `log.debug` 4 times per job, which would
 *   print ~80k lines for 20k jobs. We pass a logger that drops debug/info/warn and keeps errors.
 *
 * - Peak RSS: sampled every 50 ms by an unref'd interval, after enqueue, and at the end. Because
 *   the workers interleave through promise continuations only (better-sqlite3 never yields to the
 *   event loop), timers can be starved during processing, so we also sample every 256 completions
 *   inside `onCompleted` (process.memoryUsage.rss() costs about a microsecond).
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import Database from 'better-sqlite3';
import { better, defineQueue, defineWorker, JobStatus, type Logger, type Worker } from 'plainjob';

export interface QueueBenchResult {
  name: string;
  jobs: number;
  concurrency: number;
  enqueueMs: number;
  processMs: number;
  totalMs: number;
  enqueuePerSec: number;
  processPerSec: number;
  endToEndPerSec: number;
  peakRssMb: number;
  /** CPU time of the whole process (every thread) per job, over the whole span. */
  cpuUsPerJob: number;
  /** Time the main thread's event loop was busy per job, over the whole span. */
  mainUsPerJob: number;
}

/**
 * Starts measuring CPU: the returned function reads the CPU time of the whole process (every
 * thread) and the time the main thread's event loop was busy, both since the call, in ms.
 */
export function cpuMeter(): () => { cpuMs: number; mainMs: number } {
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  return () => {
    const used = process.cpuUsage(cpu);
    return {
      cpuMs: (used.user + used.system) / 1000,
      mainMs: performance.eventLoopUtilization(loop).active,
    };
  };
}

const JOB_TYPE = 'bench-noop';
/** Minimum meaningful Node timer delay; see the header comment for why this is fair. */
const POLL_INTERVAL_MS = 1;
const RSS_SAMPLE_INTERVAL_MS = 50;
/** Also sample RSS every 256 completions, since timers may be starved while processing. */
const RSS_SAMPLE_EVERY_MASK = 255;
const BYTES_PER_MB = 1024 * 1024;

const ignore = (): void => undefined;

const quietLogger: Logger = {
  error: (message: string, ...meta: unknown[]): void => {
    console.error(`[plainjob] ${message}`, ...meta);
  },
  warn: ignore,
  info: ignore,
  debug: ignore,
};

/** The no-op job body. plainjob `await`s whatever the processor returns. */
const noopJob = (): void => undefined;

function removeDbFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    rmSync(`${file}${suffix}`, { force: true });
  }
}

function perSec(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.POSITIVE_INFINITY;
}

export async function benchPlainjob(opts: {
  jobs: number;
  concurrency: number;
  file: string;
}): Promise<QueueBenchResult> {
  const { jobs, concurrency, file } = opts;
  if (!Number.isInteger(jobs) || jobs < 0) {
    throw new RangeError(`jobs must be a non-negative integer, got ${jobs}`);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }

  let peakRss = process.memoryUsage.rss();
  const sampleRss = (): void => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) peakRss = rss;
  };
  const sampler = setInterval(sampleRss, RSS_SAMPLE_INTERVAL_MS);
  sampler.unref();

  removeDbFiles(file);
  // defineQueue applies plainjob's own pragmas (WAL, synchronous=NORMAL) and creates the schema.
  const queue = defineQueue({ connection: better(new Database(file)), logger: quietLogger });

  const workers: Worker[] = [];
  const runs: Promise<void>[] = [];
  try {
    // ---- enqueue -------------------------------------------------------------------------------
    const payloads = Array.from({ length: jobs }, (_, i) => ({ i }));
    const cpu = cpuMeter();
    const enqueueStart = performance.now();
    const { ids } = queue.addMany(JOB_TYPE, payloads);
    const enqueueEnd = performance.now();
    if (ids.length !== jobs) {
      throw new Error(`addMany returned ${ids.length} ids, expected ${jobs}`);
    }
    sampleRss();

    // ---- process -------------------------------------------------------------------------------
    let completed = 0;
    let failed = 0;
    let markAllSettled: (at: number) => void = ignore;
    const allSettled = new Promise<number>((resolveSettled) => {
      markAllSettled = resolveSettled;
    });
    const onSettled = (): void => {
      if (completed + failed === jobs) markAllSettled(performance.now());
    };

    for (let w = 0; w < concurrency; w += 1) {
      workers.push(
        defineWorker(JOB_TYPE, noopJob, {
          queue,
          pollIntervall: POLL_INTERVAL_MS,
          logger: quietLogger,
          onCompleted: () => {
            completed += 1;
            if ((completed & RSS_SAMPLE_EVERY_MASK) === 0) sampleRss();
            onSettled();
          },
          onFailed: () => {
            failed += 1;
            onSettled();
          },
        }),
      );
    }

    const processStart = performance.now();
    if (jobs === 0) markAllSettled(processStart);
    for (const worker of workers) runs.push(worker.start());
    // If every worker loop exits (or one throws) before all jobs settle, fail instead of hanging.
    const workersExited = Promise.all(runs).then((): never => {
      throw new Error(`plainjob workers exited after ${completed + failed}/${jobs} jobs`);
    });
    const processEnd = await Promise.race([allSettled, workersExited]);
    const used = cpu();
    sampleRss();

    if (failed > 0) throw new Error(`${failed} of ${jobs} no-op jobs failed`);

    // ---- verify (untimed) ----------------------------------------------------------------------
    await Promise.all(workers.map((worker) => worker.stop()));
    await Promise.all(runs);
    const doneInDb = queue.countJobs({ type: JOB_TYPE, status: JobStatus.Done });
    if (doneInDb !== jobs) {
      throw new Error(`expected ${jobs} jobs with status Done in the database, found ${doneInDb}`);
    }

    const enqueueMs = enqueueEnd - enqueueStart;
    const processMs = processEnd - processStart;
    const totalMs = enqueueMs + processMs;
    sampleRss();
    return {
      name: 'plainjob',
      jobs,
      concurrency,
      enqueueMs,
      processMs,
      totalMs,
      enqueuePerSec: perSec(jobs, enqueueMs),
      processPerSec: perSec(jobs, processMs),
      endToEndPerSec: perSec(jobs, totalMs),
      peakRssMb: peakRss / BYTES_PER_MB,
      cpuUsPerJob: (used.cpuMs * 1000) / jobs,
      mainUsPerJob: (used.mainMs * 1000) / jobs,
    };
  } finally {
    clearInterval(sampler);
    // Stop any still-running workers before closing the connection they use (error paths).
    await Promise.allSettled(workers.map((worker) => worker.stop()));
    await Promise.allSettled(runs);
    queue.close();
    removeDbFiles(file);
  }
}

/**
 * plainjob's bulk enqueue alone: `addMany` of `jobs` payloads into a fresh file (one transaction),
 * the payloads built before the clock starts. Returns the time it took, in ms.
 */
export function benchPlainjobAddMany(opts: { jobs: number; file: string }): number {
  removeDbFiles(opts.file);
  const queue = defineQueue({ connection: better(new Database(opts.file)), logger: quietLogger });
  try {
    const payloads = Array.from({ length: opts.jobs }, (_, i) => ({ i }));
    const start = performance.now();
    const { ids } = queue.addMany(JOB_TYPE, payloads);
    const ms = performance.now() - start;
    if (ids.length !== opts.jobs) {
      throw new Error(`addMany returned ${ids.length} ids, expected ${opts.jobs}`);
    }
    return ms;
  } finally {
    queue.close();
    removeDbFiles(opts.file);
  }
}

function formatResult(result: QueueBenchResult): Record<string, string> {
  const round = (n: number, digits: number): string => n.toFixed(digits);
  return {
    name: result.name,
    jobs: String(result.jobs),
    concurrency: String(result.concurrency),
    'enqueue ms': round(result.enqueueMs, 1),
    'process ms': round(result.processMs, 1),
    'total ms': round(result.totalMs, 1),
    'enqueue jobs/s': round(result.enqueuePerSec, 0),
    'process jobs/s': round(result.processPerSec, 0),
    'end-to-end jobs/s': round(result.endToEndPerSec, 0),
    'peak RSS MB': round(result.peakRssMb, 1),
  };
}

const entry = process.argv[1];
if (entry !== undefined && resolve(entry) === fileURLToPath(import.meta.url)) {
  try {
    const result = await benchPlainjob({
      jobs: 20_000,
      concurrency: 8,
      file: '/tmp/plainjob-bench.db',
    });
    console.table(formatResult(result));
  } catch (error: unknown) {
    console.error(error);
    process.exitCode = 1;
  }
}

/**
 * Warden on the plainjob workload: `jobs` no-op jobs enqueued in bulk into a fresh SQLite file,
 * then run at `concurrency`, every transition (enqueue, claim, start, success) durable in the
 * database.
 *
 * Warden starts claiming work in the same group commit that stores the batch, so the phases
 * overlap slightly: "enqueue" is until `enqueueMany` resolves (the rows are committed), "process"
 * is from then until the last `job.succeeded` event (the success is committed), and end-to-end is
 * `jobs` over the whole span.
 *
 * With `probePriority`, one job of priority 1 is enqueued once a quarter of the backlog has
 * succeeded: the result then says how long it took from `enqueue` to its handler's start and how
 * many jobs of the backlog started meanwhile (the jobs already claimed ahead of it).
 */
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createWarden } from '../src/index.js';
import { cpuMeter, type QueueBenchResult } from './plainjob.js';

/** How a job of higher priority fared against a backlog that was claimed ahead. */
export interface PriorityProbe {
  /** From the `enqueue` call to the start of its handler. */
  readonly ms: number;
  /** Jobs of the backlog whose handlers started meanwhile. */
  readonly overtaken: number;
}

export interface WardenBenchResult extends QueueBenchResult {
  readonly priority: PriorityProbe | undefined;
}

/** Removes a database file and its WAL companions. */
export function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
}

export async function benchWarden(opts: {
  name?: string;
  jobs: number;
  concurrency: number;
  file: string;
  synchronous: 'full' | 'normal';
  claimDepth?: number;
  probePriority?: boolean;
}): Promise<WardenBenchResult> {
  const { jobs, concurrency, file, synchronous, claimDepth, probePriority = false } = opts;
  removeDatabase(file);
  let peakRss = process.memoryUsage.rss();
  const sampleRss = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  };
  const warden = createWarden({
    database: file,
    concurrency,
    synchronous,
    ...(claimDepth === undefined ? {} : { claimDepth }),
  });
  let started = 0;
  let probeAt = Number.NaN;
  let probeStartedBefore = 0;
  let probe: PriorityProbe | undefined;
  warden.defineJob<{ i: number; probe?: true }>('bench-noop', {
    run: (payload) => {
      if (payload.probe === true) {
        probe = { ms: performance.now() - probeAt, overtaken: started - probeStartedBefore };
      }
      started++;
    },
  });
  await warden.start();
  const total = probePriority ? jobs + 1 : jobs;
  let succeeded = 0;
  let finish: (at: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  let probeSent: Promise<unknown> = Promise.resolve();
  warden.on('job.succeeded', () => {
    succeeded++;
    if ((succeeded & 255) === 0) sampleRss();
    if (probePriority && succeeded === Math.floor(jobs / 4)) {
      probeStartedBefore = started;
      probeAt = performance.now();
      probeSent = warden.enqueue('bench-noop', { i: -1, probe: true }, { priority: 1 });
    }
    if (succeeded === total) finish(performance.now());
  });
  const items = Array.from({ length: jobs }, (_, i) => ({ type: 'bench-noop', payload: { i } }));
  const cpu = cpuMeter();
  const start = performance.now();
  await warden.enqueueMany(items);
  const enqueued = performance.now();
  sampleRss();
  const end = await finished;
  const used = cpu();
  sampleRss();
  await probeSent;
  const counts = await warden.countJobs();
  await warden.stop();
  removeDatabase(file);
  if (counts.succeeded !== total) {
    throw new Error(`expected ${total} succeeded, found ${counts.succeeded}`);
  }
  if (probePriority && probe === undefined) throw new Error('the priority job never started');
  const enqueueMs = enqueued - start;
  const processMs = end - enqueued;
  const totalMs = end - start;
  return {
    name: opts.name ?? `warden (synchronous=${synchronous})`,
    jobs,
    concurrency,
    enqueueMs,
    processMs,
    totalMs,
    enqueuePerSec: (jobs * 1000) / enqueueMs,
    processPerSec: (jobs * 1000) / processMs,
    endToEndPerSec: (jobs * 1000) / totalMs,
    peakRssMb: peakRss / 1024 / 1024,
    cpuUsPerJob: (used.cpuMs * 1000) / total,
    mainUsPerJob: (used.mainMs * 1000) / total,
    priority: probe,
  };
}

/**
 * Warden on the plainjob workload: `jobs` no-op jobs enqueued in bulk into a fresh SQLite file,
 * then run at `concurrency`, every transition (enqueue, start, success) durable in the database.
 *
 * Warden starts claiming work in the same group commit that stores the batch, so the phases
 * overlap slightly: "enqueue" is until `enqueueMany` resolves (the rows are committed), "process"
 * is from then until the last `job.succeeded` event (the success is committed), and end-to-end is
 * `jobs` over the whole span.
 */
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createWarden } from '../src/index.js';
import type { QueueBenchResult } from './plainjob.js';

export async function benchWarden(opts: {
  jobs: number;
  concurrency: number;
  file: string;
  synchronous: 'full' | 'normal';
}): Promise<QueueBenchResult> {
  const { jobs, concurrency, file, synchronous } = opts;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  let peakRss = process.memoryUsage.rss();
  const sampleRss = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  };
  const warden = createWarden({ database: file, concurrency, synchronous });
  warden.defineJob('bench-noop', { run: () => undefined });
  await warden.start();
  let succeeded = 0;
  let finish: (at: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  warden.on('job.succeeded', () => {
    succeeded++;
    if ((succeeded & 255) === 0) sampleRss();
    if (succeeded === jobs) finish(performance.now());
  });
  const items = Array.from({ length: jobs }, (_, i) => ({ type: 'bench-noop', payload: { i } }));
  const start = performance.now();
  await warden.enqueueMany(items);
  const enqueued = performance.now();
  sampleRss();
  const end = await finished;
  sampleRss();
  const counts = await warden.countJobs();
  await warden.stop();
  if (counts.succeeded !== jobs)
    throw new Error(`expected ${jobs} succeeded, found ${counts.succeeded}`);
  const enqueueMs = enqueued - start;
  const processMs = end - enqueued;
  const totalMs = end - start;
  return {
    name: `warden (synchronous=${synchronous})`,
    jobs,
    concurrency,
    enqueueMs,
    processMs,
    totalMs,
    enqueuePerSec: (jobs * 1000) / enqueueMs,
    processPerSec: (jobs * 1000) / processMs,
    endToEndPerSec: (jobs * 1000) / totalMs,
    peakRssMb: peakRss / 1024 / 1024,
  };
}

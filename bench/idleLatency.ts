/**
 * Idle latency: on a Warden with nothing to do, `samples` jobs enqueued one at a time, each once
 * the one before has succeeded and the process has been idle for a millisecond. Times from the
 * `enqueue` call to the start of the handler, to `enqueue` resolving (the row committed), and to
 * the `job.succeeded` event (the success committed).
 *
 * In WAL mode only a checkpoint writes the database file itself, so a sample whose file changed
 * between the `enqueue` call and its resolving had a WAL checkpoint (SQLite's automatic one, run
 * inside a commit) on its path: those are counted, and the latency is also given without them.
 *
 * The control, `measureThreadRoundTrip`, is the least any design with a writer thread pays on this
 * host at this moment: a message to an idle worker thread and its answer, paced the same way.
 */
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { createWarden } from '../src/index.js';
import { percentile } from './median.js';
import { removeDatabase } from './warden.js';

export interface LatencyStats {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface IdleLatencyResult {
  readonly samples: number;
  readonly toHandlerStart: LatencyStats;
  readonly toEnqueueResolved: LatencyStats;
  readonly toSucceeded: LatencyStats;
  /** Samples whose insert commit ran a WAL checkpoint. */
  readonly checkpointed: number;
  /** Enqueue to handler start, the checkpointed samples left out. */
  readonly toHandlerStartWithoutCheckpoints: LatencyStats;
}

function stats(ms: readonly number[]): LatencyStats {
  return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), max: Math.max(...ms) };
}

/** Paces samples: each starts once the process has been idle for a millisecond. */
const pause = (): Promise<void> => sleep(1);

/** Jobs run first and not counted: the JIT, the statements and the writer thread warm up. */
const warmup = 50;

export async function measureIdleLatency(opts: {
  samples: number;
  file: string;
  synchronous: 'full' | 'normal';
}): Promise<IdleLatencyResult> {
  const { samples, file, synchronous } = opts;
  removeDatabase(file);
  const warden = createWarden({ database: file, concurrency: 8, synchronous });
  let startedAt = Number.NaN;
  warden.defineJob('bench-idle', {
    run: () => {
      startedAt = performance.now();
    },
  });
  await warden.start();
  let succeeded: (at: number) => void = () => undefined;
  warden.on('job.succeeded', () => succeeded(performance.now()));
  const toStart: number[] = [];
  const toResolved: number[] = [];
  const toSucceeded: number[] = [];
  const withoutCheckpoints: number[] = [];
  const written = (): number => statSync(file).mtimeMs;
  try {
    for (let i = 0; i < warmup + samples; i++) {
      await pause();
      const done = new Promise<number>((resolve) => (succeeded = resolve));
      startedAt = Number.NaN;
      const before = written();
      const at = performance.now();
      await warden.enqueue('bench-idle', { i });
      const resolvedAt = performance.now();
      const checkpointed = written() !== before;
      const succeededAt = await done;
      if (i < warmup) continue;
      if (Number.isNaN(startedAt)) throw new Error(`job ${i} succeeded without starting`);
      toStart.push(startedAt - at);
      if (!checkpointed) withoutCheckpoints.push(startedAt - at);
      toResolved.push(resolvedAt - at);
      toSucceeded.push(succeededAt - at);
    }
  } finally {
    await warden.stop();
    removeDatabase(file);
  }
  return {
    samples,
    toHandlerStart: stats(toStart),
    toEnqueueResolved: stats(toResolved),
    toSucceeded: stats(toSucceeded),
    checkpointed: samples - withoutCheckpoints.length,
    toHandlerStartWithoutCheckpoints: stats(withoutCheckpoints),
  };
}

/** A message to an idle worker thread and its answer, `samples` times, paced like the enqueues. */
export async function measureThreadRoundTrip(samples: number): Promise<LatencyStats> {
  const worker = new Worker(
    "const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m));",
    { eval: true },
  );
  const ms: number[] = [];
  try {
    for (let i = 0; i < warmup + samples; i++) {
      await pause();
      const at = performance.now();
      await new Promise((resolve) => {
        worker.once('message', resolve);
        worker.postMessage(i);
      });
      if (i >= warmup) ms.push(performance.now() - at);
    }
  } finally {
    await worker.terminate();
  }
  return stats(ms);
}

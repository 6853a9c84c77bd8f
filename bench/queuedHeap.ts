/**
 * Heap per queued job: a Warden whose slots and claims are full (its handlers wait at a gate) is
 * given `queued` more jobs, in bulk batches; the heap in use after a forced full GC, before and
 * after, divided by `queued`, is what each queued job costs the process. Only in-flight work
 * should be alive, so the target is about 0 bytes. Needs `node --expose-gc`.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createWarden } from '../src/index.js';
import { gate } from './gate.js';
import { removeDatabase } from './warden.js';

export interface QueuedHeapResult {
  readonly queued: number;
  /** The jobs in each status once everything was enqueued. */
  readonly counts: Readonly<Record<string, number>>;
  readonly heapBeforeMb: number;
  readonly heapAfterMb: number;
  /** Heap in use after GC, per queued job. */
  readonly bytesPerJob: number;
  /** Heap plus memory held outside it (buffers, SQLite's caches), after GC, per queued job. */
  readonly externalBytesPerJob: number;
  readonly enqueuePerSec: number;
}

const batch = 20_000;

/** Memory in use after two full collections (with a turn of the event loop between them). */
async function settledMemory(gc: () => void): Promise<{ heap: number; external: number }> {
  await sleep(50);
  gc();
  await sleep(10);
  gc();
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { heap: heapUsed, external: external + arrayBuffers };
}

export async function measureQueuedHeap(opts: {
  queued: number;
  file: string;
  gc: () => void;
}): Promise<QueuedHeapResult> {
  const { queued, file, gc } = opts;
  removeDatabase(file);
  const concurrency = 8;
  const held = gate();
  let running = 0;
  let full: () => void = () => undefined;
  const slotsFull = new Promise<void>((resolve) => (full = resolve));
  const warden = createWarden({ database: file, concurrency, synchronous: 'normal' });
  warden.defineJob('bench-held', {
    run: () => {
      if (++running === concurrency) full();
      return held.opened;
    },
  });
  await warden.start();
  try {
    // Fill the slots and the claim depth first, so the in-flight work is the same before and after.
    const { claimDepth } = warden.options;
    await warden.enqueueMany(
      Array.from({ length: claimDepth }, (_, i) => ({ type: 'bench-held', payload: { i } })),
    );
    await slotsFull;
    const before = await settledMemory(gc);
    const start = performance.now();
    for (let done = 0; done < queued; done += batch) {
      const size = Math.min(batch, queued - done);
      await warden.enqueueMany(
        Array.from({ length: size }, (_, i) => ({ type: 'bench-held', payload: { i: done + i } })),
      );
    }
    const enqueueMs = performance.now() - start;
    const after = await settledMemory(gc);
    const counts = await warden.countJobs();
    if (counts.queued !== queued) {
      throw new Error(`expected ${queued} queued jobs, found ${counts.queued}`);
    }
    return {
      queued,
      counts,
      heapBeforeMb: before.heap / 2 ** 20,
      heapAfterMb: after.heap / 2 ** 20,
      bytesPerJob: (after.heap - before.heap) / queued,
      externalBytesPerJob: (after.heap + after.external - before.heap - before.external) / queued,
      enqueuePerSec: (queued * 1000) / enqueueMs,
    };
  } finally {
    held.open();
    await warden.stop();
    removeDatabase(file);
  }
}

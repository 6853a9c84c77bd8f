/**
 * Bulk enqueue alone: Warden's `enqueueMany` of `jobs` jobs into a fresh file, until it resolves
 * (every row committed), with nothing else running: the job type's handlers wait at a gate, so
 * only the first claim (one claim depth, carried by the same commit) and the first handlers
 * overlap it. The items are built before the clock starts, as plainjob's payloads are.
 */
import { performance } from 'node:perf_hooks';
import { createWarden } from '../src/index.js';
import { gate } from './gate.js';
import { removeDatabase } from './warden.js';

/** Returns the time `enqueueMany` took, in ms. */
export async function benchWardenEnqueueMany(opts: {
  jobs: number;
  file: string;
  synchronous: 'full' | 'normal';
}): Promise<number> {
  const { jobs, file, synchronous } = opts;
  removeDatabase(file);
  const held = gate();
  const warden = createWarden({ database: file, concurrency: 8, synchronous });
  warden.defineJob('bench-held', { run: () => held.opened });
  await warden.start();
  try {
    const items = Array.from({ length: jobs }, (_, i) => ({ type: 'bench-held', payload: { i } }));
    const start = performance.now();
    const stored = await warden.enqueueMany(items);
    const ms = performance.now() - start;
    if (stored.length !== jobs) throw new Error(`enqueueMany stored ${stored.length} of ${jobs}`);
    return ms;
  } finally {
    held.open();
    await warden.stop();
    removeDatabase(file);
  }
}

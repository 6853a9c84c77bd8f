/**
 * The floor under Warden's job throughput: what the two parts every job must pass through cost on
 * their own, with no scheduler, events or handler around them.
 *
 * - store: the real `SqliteStore` on a file, driven the way the scheduler drives it at
 *   concurrency `c`: bulk insert, then one transaction per batch that records the previous batch's
 *   outcomes and claims the next `c` jobs (a claim must be committed before its handler starts).
 * - actor: the job machine's per-attempt lifecycle as `JobRun` performs it (create from the
 *   `running` snapshot, subscribe for errors, start, send the outcome, read it, stop).
 *
 * Their sum is the least a job can cost end to end under the design (an XState actor per running
 * job; every transition durable; claims durable before handlers run). The bench prints that floor
 * next to plainjob's measured rate, so the ceiling on "Warden / plainjob" is a printed number.
 *
 *   npm run bench:floor                # 3 rounds, 20,000 jobs, concurrency 8
 *   npm run bench:floor -- 3 20000 64
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createActor } from 'xstate';
import { jobMachine } from '../src/machines/jobMachine.js';
import type { StatusChange } from '../src/persistence/Store.js';
import { SqliteStore } from '../src/persistence/sqliteStore.js';
import { benchPlainjob } from './plainjob.js';
import { median } from './median.js';

const rounds = Number(process.argv[2] ?? 3);
const jobs = Number(process.argv[3] ?? 20_000);
const concurrency = Number(process.argv[4] ?? 8);
const file = join(tmpdir(), 'warden-bench-floor.db');

/** µs per job for the store alone: enqueue, then claim and record outcomes batch by batch. */
function storeFloor(): { enqueueUs: number; processUs: number } {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  const store = new SqliteStore({ filename: file, synchronous: 'normal' });
  store.open();
  const at = 1;
  const start = performance.now();
  store.transaction(() => {
    for (let i = 0; i < jobs; i++) {
      store.insertJob({
        type: 'noop',
        status: 'queued',
        payloadJson: `{"i":${i}}`,
        priority: 0,
        runAt: at,
        maxAttempts: 1,
        idempotencyKey: null,
        at,
      });
    }
  });
  const enqueued = performance.now();
  let ready: string[] = [];
  let previous: StatusChange[] = [];
  for (let done = 0; done < jobs + concurrency; done += concurrency) {
    const outcomes = previous;
    previous = store.transaction(() => {
      if (outcomes.length > 0) store.changeStatusMany(outcomes);
      if (ready.length < concurrency) {
        ready = store.queuedCandidates(['noop'], 512).map((c) => c.id);
      }
      return store.claim(ready.splice(0, concurrency), at).map((claimed) => ({
        id: claimed.id,
        from: 'running',
        to: 'succeeded',
        event: 'SUCCEED',
        version: claimed.version,
        at,
        attempt: claimed.attempt,
        resultJson: 'null',
        viaFallback: false,
      }));
    });
  }
  const processed = performance.now();
  const succeeded = store.countJobs().succeeded;
  store.close();
  if (succeeded !== jobs) throw new Error(`expected ${jobs} succeeded, found ${succeeded}`);
  return {
    enqueueUs: ((enqueued - start) * 1000) / jobs,
    processUs: ((processed - enqueued) * 1000) / jobs,
  };
}

/** µs per job for the job machine's per-attempt actor lifecycle. */
function actorFloor(): number {
  const running = jobMachine.resolveState({
    value: 'running',
    context: { attempt: 1, maxAttempts: 1 },
  });
  const onError = (): void => undefined;
  const start = performance.now();
  for (let i = 0; i < jobs; i++) {
    const actor = createActor(jobMachine, { input: { maxAttempts: 1 }, snapshot: running });
    actor.subscribe({ error: onError });
    actor.start();
    actor.send({ type: 'SUCCEED' });
    if (actor.getSnapshot().value !== 'succeeded') throw new Error('the machine did not succeed');
    actor.stop();
  }
  return ((performance.now() - start) * 1000) / jobs;
}

const plain: number[] = [];
const enqueue: number[] = [];
const processing: number[] = [];
const actor: number[] = [];
for (let round = 0; round < rounds; round++) {
  plain.push(
    (await benchPlainjob({ jobs, concurrency, file: join(tmpdir(), 'warden-bench-plainjob.db') }))
      .endToEndPerSec,
  );
  const store = storeFloor();
  enqueue.push(store.enqueueUs);
  processing.push(store.processUs);
  actor.push(actorFloor());
}
const floorUs = median(enqueue) + median(processing) + median(actor);
const plainRate = median(plain);
console.log(
  `${jobs} jobs, concurrency ${concurrency}, medians of ${rounds} rounds, Node ${process.version}`,
);
console.table({
  'store: enqueue (µs/job)': +median(enqueue).toFixed(2),
  'store: claim + outcome + commits (µs/job)': +median(processing).toFixed(2),
  'actor lifecycle (µs/job)': +median(actor).toFixed(2),
  'floor, sum (µs/job)': +floorUs.toFixed(2),
  'plainjob end to end (jobs/s)': Math.round(plainRate),
  '3× plainjob needs (µs/job)': +(1e6 / (3 * plainRate)).toFixed(2),
});
const ceiling = 1e6 / floorUs / plainRate;
console.log(`ceiling with nothing but store and actor: ${ceiling.toFixed(2)}x plainjob end to end`);

import { describe, expect, it } from 'vitest';
import { InvalidTransitionError } from '../../../src/errors.js';
import type { SqliteStore } from '../../../src/persistence/sqliteStore.js';
import type { ClaimRoom, StatusChange } from '../../../src/persistence/Store.js';
import {
  changeOk,
  changeRefused,
  claimById,
  commit,
  everywhere,
  filenameFor,
  insert,
  insertOne,
  jobOf,
  newJob,
  openStore,
  runningJob,
  startById,
  step,
  type Where,
} from '../storeFixtures.js';

// The `claimed` status (issue 9 §1): a group commit claims queued jobs ahead of free slots,
// best first and within each type's room, without counting an attempt; a claimed job starts
// (`START`, the attempt counted), goes back (`RELEASE`), or is recovered after a crash.

/** Claims with the given overall limit and rooms; the ids claimed, in the order answered. */
async function claimIds(
  store: SqliteStore,
  limit: number,
  rooms: readonly ClaimRoom[],
  at = 2000,
): Promise<string[]> {
  return (await step(store, at, { kind: 'claim', limit, rooms })).map((job) => job.id);
}

const email = (limit: number): ClaimRoom => ({ type: 'email', limit });
const sms = (limit: number): ClaimRoom => ({ type: 'sms', limit });

describe.each(everywhere)('claiming (%s)', (where: Where) => {
  /** A test for `:memory:` alone: its SQL runs the same on a file; the file adds the writer thread. */
  function memoryOnly(name: string, fn: () => Promise<void>): void {
    if (where === 'memory') it(name, fn);
  }

  it('claims the best queued jobs first: higher priority, then the older', async () => {
    const store = openStore(filenameFor(where));
    await insert(
      store,
      1000,
      newJob({ priority: 0, payloadJson: '1' }),
      newJob({ priority: 5, payloadJson: '2' }),
      newJob({ type: 'sms', priority: 5, payloadJson: '3' }),
      newJob({ priority: -1, payloadJson: '4' }),
      newJob({ priority: 0, payloadJson: '5' }),
      newJob({ type: 'sms', priority: 9, payloadJson: '6' }),
    );
    expect(await claimIds(store, 4, [email(10), sms(10)])).toEqual(['6', '2', '3', '1']);
    expect(await claimIds(store, 4, [email(10), sms(10)])).toEqual(['5', '4']);
    expect(await claimIds(store, 4, [email(10), sms(10)])).toEqual([]);
  });

  it('moves each job to claimed at a new version, counting no attempt', async () => {
    const store = openStore(filenameFor(where));
    await insert(store, 1000, newJob({ maxAttempts: 4, priority: 3 }));
    const claimed = await step(store, 1100, { kind: 'claim', limit: 1, rooms: [email(1)] });
    expect(claimed).toEqual([
      {
        id: '1',
        type: 'email',
        priority: 3,
        payloadJson: '{"to":"ada@example.com"}',
        attempt: 0,
        maxAttempts: 4,
        stalls: 0,
        version: 1,
        checkpointJson: null,
        traceparent: null,
        tracestate: null,
      },
    ]);
    expect(await jobOf(store, '1')).toMatchObject({
      status: 'claimed',
      attempt: 0,
      version: 1,
      updatedAt: 1100,
      startedAt: null,
    });
    expect((await store.history('1')).at(-1)).toEqual({
      from: 'queued',
      to: 'claimed',
      event: 'CLAIM',
      at: 1100,
      attempt: 0,
      error: null,
    });
    // The attempt counts when the job starts.
    expect(await startById(store, '1', 1200)).toBe(2);
    expect(await jobOf(store, '1')).toMatchObject({
      status: 'running',
      attempt: 1,
      startedAt: 1200,
    });
  });

  it('takes no more of a type than its room, and none of a type without one', async () => {
    const store = openStore(filenameFor(where));
    await insert(
      store,
      1000,
      ...Array.from({ length: 4 }, () => newJob({ priority: 1 })), // 1-4
      ...Array.from({ length: 4 }, () => newJob({ type: 'sms' })), // 5-8
      newJob({ type: 'push', priority: 9 }), // 9
    );
    expect(await claimIds(store, 10, [email(2), sms(3), { type: 'push', limit: 0 }])).toEqual([
      '1',
      '2',
      '5',
      '6',
      '7',
    ]);
    expect((await jobOf(store, '9')).status).toBe('queued');
    expect((await store.countJobs()).claimed).toBe(5);
  });

  memoryOnly('looks past a type whose room is full to claim the others, best first', async () => {
    const store = openStore(filenameFor(where));
    // Thirty high-priority emails fill any first look at the queue.
    await insert(store, 1000, ...Array.from({ length: 30 }, () => newJob({ priority: 5 })));
    await insert(store, 1000, newJob({ type: 'sms', priority: 1 }), newJob({ type: 'sms' }));
    expect(await claimIds(store, 4, [email(2), sms(2)])).toEqual(['1', '2', '31', '32']);
  });

  memoryOnly('claims no more than the limit in all', async () => {
    const store = openStore(filenameFor(where));
    await insert(store, 1000, ...Array.from({ length: 5 }, () => newJob()));
    expect(await claimIds(store, 3, [email(10)])).toEqual(['1', '2', '3']);
    expect(await claimIds(store, 0, [email(10)])).toEqual([]);
    expect(await claimIds(store, 10, [])).toEqual([]);
    expect(await claimIds(store, 10, [sms(10)])).toEqual([]);
    expect(await claimIds(store, 10, [email(10)])).toEqual(['4', '5']);
  });

  memoryOnly('claims only queued jobs, leaving every other status at its version', async () => {
    const store = openStore(filenameFor(where));
    const scheduled = await insertOne(store, { status: 'scheduled', runAt: 9000, priority: 9 });
    const claimed = await insertOne(store, { priority: 9 });
    await claimById(store, claimed, 1100);
    const running = await runningJob(store, 1100, { priority: 9 });
    const done = await runningJob(store, 1100, { priority: 9 });
    await changeOk(store, {
      id: done,
      from: 'running',
      to: 'succeeded',
      event: 'SUCCEED',
      version: 2,
      at: 1200,
      attempt: 1,
    });
    const retrying = await runningJob(store, 1100, { priority: 9 });
    await changeOk(store, {
      id: retrying,
      from: 'running',
      to: 'retrying',
      event: 'FAIL',
      version: 2,
      at: 1200,
      attempt: 1,
      runAt: 1300,
    });
    const queued = await insertOne(store);
    const before = await store.listJobs({});
    expect(await claimIds(store, 10, [email(10)])).toEqual([queued]);
    const after = await store.listJobs({});
    for (const id of [scheduled, claimed, running, done, retrying]) {
      expect(after.find((job) => job.id === id)).toEqual(before.find((job) => job.id === id));
    }
  });

  memoryOnly(
    'keeps the attempts of earlier runs, and hands the next one its checkpoint',
    async () => {
      const store = openStore(filenameFor(where));
      const id = await runningJob(store);
      await step(store, 1150, { kind: 'checkpoint', id, version: 2, json: '{"page":3}' });
      await changeOk(store, {
        id,
        from: 'running',
        to: 'retrying',
        event: 'FAIL',
        version: 2,
        at: 1200,
        attempt: 1,
        runAt: 1300,
      });
      await step(store, 1300, { kind: 'promote', limit: 10 });
      const [again] = await step(store, 1400, { kind: 'claim', limit: 1, rooms: [email(1)] });
      expect(again).toMatchObject({ id, attempt: 1, version: 5, checkpointJson: '{"page":3}' });
      expect((await jobOf(store, id)).attempt).toBe(1);
    },
  );

  it('gives a job back to the queue with RELEASE, uncounted, in its place', async () => {
    const store = openStore(filenameFor(where));
    await insert(store, 1000, newJob(), newJob(), newJob());
    const [first] = await step(store, 1100, { kind: 'claim', limit: 1, rooms: [email(1)] });
    expect(first?.id).toBe('1');
    const release: StatusChange = {
      id: '1',
      from: 'claimed',
      to: 'queued',
      event: 'RELEASE',
      version: 1,
      at: 1200,
    };
    expect(await changeOk(store, release)).toBe(2);
    expect(await jobOf(store, '1')).toMatchObject({
      status: 'queued',
      attempt: 0,
      stalls: 0,
      version: 2,
      startedAt: null,
    });
    expect(
      (await store.history('1')).map((entry) => [entry.event, entry.to, entry.attempt]),
    ).toEqual([
      ['ENQUEUE', 'queued', 0],
      ['CLAIM', 'claimed', 0],
      ['RELEASE', 'queued', 0],
    ]);
    // Still the oldest: claimed first again.
    expect(await claimIds(store, 1, [email(1)])).toEqual(['1']);
  });

  memoryOnly('refuses RELEASE of a job that is not claimed', async () => {
    const store = openStore(filenameFor(where));
    const running = await runningJob(store);
    const queued = await insertOne(store);
    for (const [id, from, version] of [
      [running, 'running', 2],
      [queued, 'queued', 0],
    ] as const) {
      const error = await changeRefused(store, {
        id,
        from,
        to: 'queued',
        event: 'RELEASE',
        version,
        at: 1200,
      });
      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect(error.message).toBe(`job ${id} is \`${from}\`: cannot RELEASE to \`queued\``);
    }
    // A release written for a claim that has since started names a status the job left.
    const started = await insertOne(store);
    await claimById(store, started, 1300);
    await startById(store, started, 1300);
    const late = await changeRefused(store, {
      id: started,
      from: 'claimed',
      to: 'queued',
      event: 'RELEASE',
      version: 1,
      at: 1400,
    });
    expect(late.code).toBe('VERSION_CONFLICT');
  });

  memoryOnly('cancels a claimed job at once', async () => {
    const store = openStore(filenameFor(where));
    const id = await insertOne(store);
    await claimById(store, id, 1100);
    const { after } = await step(store, 1200, { kind: 'command', id, event: 'CANCEL' });
    expect(after).toMatchObject({ status: 'cancelled', attempt: 0, finishedAt: 1200 });
    expect(await claimIds(store, 10, [email(10)])).toEqual([]);
  });

  memoryOnly('recovers a claimed job to the queue counting a stall, not an attempt', async () => {
    const store = openStore(filenameFor(where));
    const id = await insertOne(store);
    await claimById(store, id, 1100);
    expect(
      await changeOk(store, {
        id,
        from: 'claimed',
        to: 'queued',
        event: 'RECOVER',
        version: 1,
        at: 1200,
        attempt: 0,
        stalls: 1,
      }),
    ).toBe(2);
    expect(await jobOf(store, id)).toMatchObject({ status: 'queued', attempt: 0, stalls: 1 });
    const [again] = await step(store, 1300, { kind: 'claim', limit: 1, rooms: [email(1)] });
    expect(again).toMatchObject({ id, attempt: 0, stalls: 1 });
  });

  it('lists the claimed and running jobs as unfinished, oldest first', async () => {
    const store = openStore(filenameFor(where));
    const queued = await insertOne(store); // 1
    const running = await runningJob(store); // 2
    const claimed = await insertOne(store); // 3
    await claimById(store, claimed, 1200);
    await insertOne(store, { status: 'scheduled', runAt: 9000 }); // 4
    const done = await runningJob(store); // 5
    await changeOk(store, {
      id: done,
      from: 'running',
      to: 'dead',
      event: 'FAIL',
      version: 2,
      at: 1300,
      attempt: 1,
    });
    const late = await runningJob(store); // 6
    expect(queued).toBe('1');
    expect((await store.unfinishedJobs()).map((job) => [job.id, job.status])).toEqual([
      [running, 'running'],
      [claimed, 'claimed'],
      [late, 'running'],
    ]);
  });
});

describe('claiming in a batch', () => {
  it('claims the jobs a batch inserted, after its other steps', async () => {
    const store = openStore();
    const [, claim] = await commit(
      store,
      1000,
      { kind: 'insert', jobs: [newJob(), newJob({ priority: 2 })] },
      { kind: 'claim', limit: 10, rooms: [email(10)] },
    );
    expect(claim?.ok === true && claim.value).toMatchObject([{ id: '2' }, { id: '1' }]);
  });
});

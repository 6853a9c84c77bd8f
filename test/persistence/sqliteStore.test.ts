import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DatabaseError,
  InvalidTransitionError,
  JobNotFoundError,
  VersionConflictError,
  WardenError,
  type SerializedError,
} from '../../src/errors.js';
import type { JobStatus } from '../../src/machines/jobMachine.js';
import { migrations, WARDEN_APPLICATION_ID } from '../../src/persistence/schema.js';
import { SqliteStore } from '../../src/persistence/sqliteStore.js';
import type {
  Job,
  JobHistoryEntry,
  OwnerRecord,
  OwnershipClaim,
  StatusChange,
} from '../../src/persistence/Store.js';
import { tempDatabase } from '../helpers.js';
import {
  change,
  changeOk,
  changeRefused,
  claim,
  claimById,
  commit,
  everywhere,
  failureOf,
  filenameFor,
  insert,
  insertOne,
  jobOf,
  newJob,
  openStore,
  owner,
  rawCount,
  runningJob,
  startById,
  step,
  valueOf,
  withConnection,
  type Where,
} from './storeFixtures.js';

/** A running job's outcome, as the runner writes it: from `running` at version 2, attempt 1. */
function outcome(overrides: Partial<StatusChange> & Pick<StatusChange, 'id'>): StatusChange {
  return {
    from: 'running',
    to: 'succeeded',
    event: 'SUCCEED',
    version: 2,
    at: 2000,
    attempt: 1,
    ...overrides,
  };
}

function sha256(filename: string): string {
  return createHash('sha256').update(readFileSync(filename)).digest('hex');
}

/** Bytes that look random but are the same on every run. */
function noise(length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; i * 32 < length; i++) {
    blocks.push(createHash('sha256').update(`warden-noise-${i}`).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/**
 * Runs SQL on the store's database for a test's setup (a fault-injecting trigger, say): on the
 * file through a second connection, or on `:memory:` through the store's own connection, which
 * its inline writer shares.
 */
function execBehind(store: SqliteStore, filename: string, sql: string): void {
  if (filename === ':memory:') store.reader().exec(sql);
  else withConnection(filename, (db) => db.exec(sql));
}

/** Rows of `table` as the store's database holds them (read through its read connection). */
function tableCount(store: SqliteStore, table: string): number {
  return (store.reader().prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

const boom: SerializedError = { name: 'Error', message: 'boom', code: 'E_BOOM' };
const bang: SerializedError = { name: 'TypeError', message: 'bang' };

describe.each(everywhere)('SqliteStore (%s)', (where: Where) => {
  /** A test for `:memory:` alone: its SQL runs the same on a file; the file adds the writer thread. */
  function memoryOnly(name: string, fn: () => Promise<void>): void {
    if (where === 'memory') it(name, fn);
  }

  describe('the insert step', () => {
    it('inserts a queued job at version 0, stalls 0, and records its creation', async () => {
      const store = openStore(filenameFor(where));
      const results = await insert(store, 1000, newJob({ priority: 5, idempotencyKey: 'k1' }));
      expect(results).toEqual([{ created: true, id: '1' }]);
      const job = await store.getJob('1');
      expect(job).toEqual<Job>({
        id: '1',
        type: 'email',
        status: 'queued',
        payload: { to: 'ada@example.com' },
        priority: 5,
        attempt: 0,
        maxAttempts: 3,
        stalls: 0,
        runAt: 1000,
        version: 0,
        idempotencyKey: 'k1',
        progress: null,
        checkpoint: null,
        result: null,
        error: null,
        viaFallback: false,
        createdAt: 1000,
        updatedAt: 1000,
        startedAt: null,
        finishedAt: null,
        traceparent: null,
        tracestate: null,
      });
      expect(await store.history('1')).toEqual([
        { from: null, to: 'queued', event: 'ENQUEUE', at: 1000, attempt: 0, error: null },
      ]);
    });

    memoryOnly('inserts a scheduled job, and many jobs of one step in order', async () => {
      const store = openStore(filenameFor(where));
      const results = await insert(
        store,
        1000,
        newJob(),
        newJob({ status: 'scheduled', runAt: 5000 }),
        newJob({ type: 'sms' }),
      );
      expect(results).toEqual([
        { created: true, id: '1' },
        { created: true, id: '2' },
        { created: true, id: '3' },
      ]);
      expect((await store.listJobs({})).map((job) => [job.id, job.type, job.status])).toEqual([
        ['1', 'email', 'queued'],
        ['2', 'email', 'scheduled'],
        ['3', 'sms', 'queued'],
      ]);
      expect((await store.history('2'))[0]).toMatchObject({ to: 'scheduled', event: 'ENQUEUE' });
    });

    it('returns the existing job for a taken type and key, without writing a history row', async () => {
      const filename = filenameFor(where);
      const store = openStore(filename);
      const id = await insertOne(store, { idempotencyKey: 'welcome-42' });
      const first = await jobOf(store, id);
      const again = await insert(
        store,
        5000,
        newJob({ idempotencyKey: 'welcome-42', payloadJson: '{"to":"other"}', at: 5000 }),
      );
      expect(again).toEqual([{ created: false, job: first }]);
      expect(await store.history(id)).toHaveLength(1);
      expect(tableCount(store, 'jobs')).toBe(1);
      expect(tableCount(store, 'job_events')).toBe(1);
      if (where === 'file') {
        expect(rawCount(filename, 'jobs')).toBe(1);
        expect(rawCount(filename, 'job_events')).toBe(1);
      }
    });

    memoryOnly(
      'gives a key used twice in one step to the first job, and the second the first',
      async () => {
        const store = openStore(filenameFor(where));
        const [first, second, other] = await insert(
          store,
          1000,
          newJob({ idempotencyKey: 'k', payloadJson: '{"n":1}' }),
          newJob({ idempotencyKey: 'k', payloadJson: '{"n":2}' }),
          newJob(),
        );
        expect(first).toEqual({ created: true, id: '1' });
        expect(second).toEqual({ created: false, job: await jobOf(store, '1') });
        expect(other).toEqual({ created: true, id: '2' });
        expect((await jobOf(store, '1')).payload).toEqual({ n: 1 });
      },
    );

    memoryOnly('returns the existing job with its current status and version', async () => {
      const store = openStore(filenameFor(where));
      const id = await runningJob(store, 1100, { idempotencyKey: 'k' });
      const [again] = await insert(store, 1200, newJob({ idempotencyKey: 'k' }));
      expect(again).toMatchObject({ created: false, job: { id, status: 'running', version: 2 } });
      expect(await store.history(id)).toHaveLength(3);
    });

    memoryOnly('lets another type use the same key', async () => {
      const store = openStore(filenameFor(where));
      await insertOne(store, { idempotencyKey: 'k' });
      expect(await insert(store, 1000, newJob({ type: 'sms', idempotencyKey: 'k' }))).toEqual([
        { created: true, id: '2' },
      ]);
    });

    memoryOnly('never deduplicates jobs without a key', async () => {
      const store = openStore(filenameFor(where));
      expect(await insert(store, 1000, newJob(), newJob())).toEqual([
        { created: true, id: '1' },
        { created: true, id: '2' },
      ]);
      expect((await store.listJobs({})).map((job) => job.id)).toEqual(['1', '2']);
    });
  });

  describe('the changes step', () => {
    it('applies a legal change, bumps the version and returns it', async () => {
      const store = openStore(filenameFor(where));
      const id = await runningJob(store);
      expect(await changeOk(store, outcome({ id, resultJson: '{"sent":true}' }))).toBe(3);
      expect(await jobOf(store, id)).toMatchObject({
        status: 'succeeded',
        attempt: 1,
        version: 3,
        result: { sent: true },
        viaFallback: false,
        updatedAt: 2000,
        startedAt: 1100,
        finishedAt: 2000,
      });
    });

    it('refuses to cancel a succeeded job and writes nothing', async () => {
      const filename = filenameFor(where);
      const store = openStore(filename);
      const id = await runningJob(store);
      await changeOk(store, outcome({ id }));
      const before = await jobOf(store, id);
      const error = await changeRefused(
        store,
        outcome({ id, from: 'succeeded', to: 'cancelled', event: 'CANCEL', version: 3 }),
      );
      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect(error.code).toBe('INVALID_TRANSITION');
      expect(error.message).toBe('job 1 is `succeeded`: cannot CANCEL to `cancelled`');
      expect(await store.getJob(id)).toEqual(before);
      expect(await store.history(id)).toHaveLength(4);
      if (where === 'file') expect(rawCount(filename, 'job_events')).toBe(4);
    });

    for (const { from, event, to, message } of [
      {
        from: 'queued',
        event: 'SUCCEED',
        to: 'succeeded',
        message: 'job 1 is `queued`: cannot SUCCEED to `succeeded`',
      },
      {
        from: 'queued',
        event: 'START',
        to: 'running',
        message: 'job 1 is `queued`: cannot START to `running`',
      },
      {
        from: 'running',
        event: 'CANCEL',
        to: 'dead',
        message: 'job 1 is `running`: cannot CANCEL to `dead`',
      },
      {
        from: 'dead',
        event: 'REPLAY',
        to: 'running',
        message: 'job 1 is `dead`: cannot REPLAY to `running`',
      },
      {
        from: 'scheduled',
        event: 'START',
        to: 'running',
        message: 'job 1 is `scheduled`: cannot START to `running`',
      },
      {
        from: 'claimed',
        event: 'SUCCEED',
        to: 'succeeded',
        message: 'job 1 is `claimed`: cannot SUCCEED to `succeeded`',
      },
    ] as const) {
      memoryOnly(
        `refuses ${event} from ${from} to ${to}, naming the job, its status and the change`,
        async () => {
          const store = openStore(filenameFor(where));
          const id = await insertOne(store);
          const before = await jobOf(store, id);
          const error = await changeRefused(store, { id, from, to, event, version: 0, at: 2000 });
          expect(error).toBeInstanceOf(InvalidTransitionError);
          expect(error.message).toBe(message);
          expect(await store.getJob(id)).toEqual(before);
          expect(await store.history(id)).toHaveLength(1);
        },
      );
    }

    memoryOnly(
      'refuses a writer whose status is out of date, naming the status the job has',
      async () => {
        const store = openStore(filenameFor(where));
        const id = await insertOne(store);
        const before = await jobOf(store, id);
        const error = await changeRefused(store, outcome({ id, version: 0 }));
        expect(error).toBeInstanceOf(InvalidTransitionError);
        expect(error.message).toBe(
          'job 1 is `queued`: cannot SUCCEED to `succeeded` (the writer expected `running`)',
        );
        expect(await store.getJob(id)).toEqual(before);
        expect(await store.history(id)).toHaveLength(1);
      },
    );

    it('refuses a stale version even when the status still matches', async () => {
      const store = openStore(filenameFor(where));
      const id = await runningJob(store);
      expect(
        await step(store, 1200, { kind: 'progress', id, version: 2, json: '{"done":1}' }),
      ).toBe(true);
      const error = await changeRefused(store, outcome({ id, version: 1 }));
      expect(error).toBeInstanceOf(VersionConflictError);
      expect(error).toMatchObject({ jobId: id, expectedVersion: 1, actualVersion: 2 });
      expect((await jobOf(store, id)).status).toBe('running');
    });

    memoryOnly('refuses an unknown job with JobNotFoundError', async () => {
      const store = openStore(filenameFor(where));
      for (const id of ['999', 'abc', '0', '', '99999999999999999999']) {
        const error = await changeRefused(store, outcome({ id }));
        expect(error).toBeInstanceOf(JobNotFoundError);
        expect(error.code).toBe('JOB_NOT_FOUND');
      }
    });

    it('answers each change of a step on its own: a refused one does not stop the others', async () => {
      const store = openStore(filenameFor(where));
      const a = await runningJob(store);
      const b = await runningJob(store);
      const c = await runningJob(store);
      const results = await change(
        store,
        2000,
        outcome({ id: a }),
        outcome({ id: b, version: 1 }), // stale
        outcome({ id: '999' }),
        outcome({ id: c, from: 'running', to: 'queued', event: 'CANCEL' }), // not a machine edge
        outcome({ id: c, to: 'cancelled', event: 'CANCEL' }),
      );
      expect(results[0]).toBe(3);
      expect(results[1]).toBeInstanceOf(VersionConflictError);
      expect(results[2]).toBeInstanceOf(JobNotFoundError);
      expect(results[3]).toBeInstanceOf(InvalidTransitionError);
      expect(results[4]).toBe(3);
      expect((await store.listJobs({})).map((job) => job.status)).toEqual([
        'succeeded',
        'running',
        'cancelled',
      ]);
    });

    memoryOnly(
      "applies one job's changes within a step in order, each naming the version before it",
      async () => {
        const store = openStore(filenameFor(where));
        const id = await insertOne(store);
        const [claimed] = await claim(store, 1100);
        expect(claimed?.version).toBe(1);
        const results = await change(
          store,
          1200,
          { id, from: 'claimed', to: 'running', event: 'START', version: 1, at: 1200, attempt: 1 },
          outcome({ id, at: 1200, resultJson: '1' }),
          // Names a version the step has moved past: refused, the two before it stand.
          outcome({
            id,
            from: 'succeeded',
            to: 'cancelled',
            event: 'CANCEL',
            version: 2,
            at: 1200,
          }),
        );
        expect(results.slice(0, 2)).toEqual([2, 3]);
        expect(results[2]).toBeInstanceOf(WardenError);
        expect((await store.history(id)).map((entry) => entry.event)).toEqual([
          'ENQUEUE',
          'CLAIM',
          'START',
          'SUCCEED',
        ]);
      },
    );

    it('applies many changes in one step (more than one UPDATE holds)', async () => {
      const store = openStore(filenameFor(where));
      const jobs = Array.from({ length: 130 }, () => newJob());
      await insert(store, 1000, ...jobs);
      const claimed = await claim(store, 1100, 200);
      expect(claimed).toHaveLength(130);
      const versions = await change(
        store,
        1200,
        ...claimed.map((job): StatusChange => ({
          id: job.id,
          from: 'claimed',
          to: 'running',
          event: 'START',
          version: job.version,
          at: 1200,
          attempt: 1,
        })),
      );
      expect(versions).toEqual(claimed.map(() => 2));
      expect((await store.countJobs()).running).toBe(130);
    });
  });

  describe('history', () => {
    it('records every write of a lifecycle with from, to, event, attempt and error', async () => {
      const filename = filenameFor(where);
      const store = openStore(filename);
      const versions: number[] = [];
      const id = await insertOne(store, { at: 1000 });
      versions.push((await jobOf(store, id)).version);
      const [first] = await claim(store, 1100);
      versions.push(first?.version ?? -1);
      versions.push(await startById(store, id, 1100));
      versions.push(
        await changeOk(store, {
          id,
          from: 'running',
          to: 'retrying',
          event: 'FAIL',
          version: 2,
          at: 1200,
          runAt: 1500,
          attempt: 1,
          error: boom,
        }),
      );
      expect(await step(store, 1500, { kind: 'promote', limit: 10 })).toEqual([
        { id, type: 'email', priority: 0, attempt: 1, from: 'retrying' },
      ]);
      versions.push((await jobOf(store, id)).version);
      const [second] = await claim(store, 1600);
      versions.push(second?.version ?? -1);
      versions.push(await startById(store, id, 1600));
      versions.push(
        await changeOk(store, {
          id,
          from: 'running',
          to: 'dead',
          event: 'FAIL',
          version: 6,
          at: 1700,
          attempt: 2,
          error: bang,
        }),
      );
      const replay = await step(store, 1800, { kind: 'command', id, event: 'REPLAY' });
      versions.push(replay.after.version);

      expect(versions).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await store.history(id)).toEqual<JobHistoryEntry[]>([
        { from: null, to: 'queued', event: 'ENQUEUE', at: 1000, attempt: 0, error: null },
        { from: 'queued', to: 'claimed', event: 'CLAIM', at: 1100, attempt: 0, error: null },
        { from: 'claimed', to: 'running', event: 'START', at: 1100, attempt: 1, error: null },
        { from: 'running', to: 'retrying', event: 'FAIL', at: 1200, attempt: 1, error: boom },
        { from: 'retrying', to: 'queued', event: 'DUE', at: 1500, attempt: 1, error: null },
        { from: 'queued', to: 'claimed', event: 'CLAIM', at: 1600, attempt: 1, error: null },
        { from: 'claimed', to: 'running', event: 'START', at: 1600, attempt: 2, error: null },
        { from: 'running', to: 'dead', event: 'FAIL', at: 1700, attempt: 2, error: bang },
        { from: 'dead', to: 'queued', event: 'REPLAY', at: 1800, attempt: 0, error: null },
      ]);
      if (where === 'file') expect(rawCount(filename, 'job_events')).toBe(9);
      expect(replay.after).toMatchObject({
        status: 'queued',
        attempt: 0,
        stalls: 0,
        version: 8,
        runAt: 1500,
        error: bang,
        startedAt: 1600,
        finishedAt: null,
      });
      expect(await store.getJob(id)).toEqual(replay.after);
      expect(replay.before).toMatchObject({ status: 'dead', version: 7, finishedAt: 1700 });
    });

    memoryOnly("records the job's attempt when a change does not restate it", async () => {
      const store = openStore(filenameFor(where));
      const id = await runningJob(store);
      await changeOk(store, {
        id,
        from: 'running',
        to: 'cancelled',
        event: 'CANCEL',
        version: 2,
        at: 1300,
      });
      expect((await jobOf(store, id)).attempt).toBe(1);
      expect((await store.history(id)).at(-1)).toEqual({
        from: 'running',
        to: 'cancelled',
        event: 'CANCEL',
        at: 1300,
        attempt: 1,
        error: null,
      });
    });

    memoryOnly('gives nothing for an unknown or malformed id', async () => {
      const store = openStore(filenameFor(where));
      expect(await store.history('42')).toEqual([]);
      expect(await store.history('not-an-id')).toEqual([]);
    });
  });

  describe('a batch', () => {
    it('commits every step together, visible to another connection once it resolves', async () => {
      const filename = filenameFor(where);
      const store = openStore(filename);
      const results = await commit(
        store,
        1000,
        { kind: 'insert', jobs: [newJob()] },
        { kind: 'insert', jobs: [newJob({ type: 'sms' })] },
        { kind: 'claim', limit: 10, rooms: [{ type: 'sms', limit: 10 }] },
      );
      expect(results.map((result) => result.ok)).toEqual([true, true, true]);
      expect(valueOf(results[2], 'claim').map((job) => job.id)).toEqual(['2']);
      if (where === 'file') {
        expect(rawCount(filename, 'jobs')).toBe(2);
        expect(rawCount(filename, 'job_events')).toBe(3);
      }
      expect(tableCount(store, 'job_events')).toBe(3);
    });

    it('undoes only a refused step: the steps before and after it are committed', async () => {
      const filename = filenameFor(where);
      const store = openStore(filename);
      execBehind(
        store,
        filename,
        `CREATE TRIGGER refuse_poison BEFORE INSERT ON jobs WHEN NEW.type = 'poison'
         BEGIN SELECT RAISE(ABORT, 'poison refused'); END;`,
      );
      const id = await runningJob(store);
      const results = await commit(
        store,
        2000,
        { kind: 'insert', jobs: [newJob({ payloadJson: '"before"' })] },
        // Its first job is written before its second is refused: the step's savepoint undoes it.
        {
          kind: 'insert',
          jobs: [
            newJob({ payloadJson: '"undone"' }),
            newJob({ type: 'poison', idempotencyKey: 'p' }),
          ],
        },
        { kind: 'changes', changes: [outcome({ id })] },
        { kind: 'command', id: '999', event: 'CANCEL' },
        { kind: 'insert', jobs: [newJob({ payloadJson: '"after"' })] },
      );
      expect(results.map((result) => result.ok)).toEqual([true, false, true, false, true]);
      const refused = results[1];
      expect(refused?.ok === false && refused.error.message).toBe('poison refused');
      const missing = results[3];
      expect(missing?.ok === false && missing.error).toBeInstanceOf(JobNotFoundError);
      expect(valueOf(results[2], 'changes')).toEqual([3]);
      const jobs = await store.listJobs({});
      expect(jobs.map((job) => [job.payload, job.status])).toEqual([
        [{ to: 'ada@example.com' }, 'succeeded'],
        ['before', 'queued'],
        ['after', 'queued'],
      ]);
      // The undone job left no history either.
      expect(tableCount(store, 'job_events')).toBe(4 + 2);
      if (where === 'file') expect(rawCount(filename, 'jobs')).toBe(3);
    });

    it('stores nothing, earlier steps included, when a step ends the whole transaction', async () => {
      const filename = filenameFor(where);
      const store = openStore(filename);
      const id = await insertOne(store);
      execBehind(
        store,
        filename,
        `CREATE TRIGGER roll_all_back BEFORE INSERT ON jobs WHEN NEW.type = 'doom'
         BEGIN SELECT RAISE(ROLLBACK, 'the whole batch goes'); END;`,
      );
      const failure = await failureOf(() =>
        store.commit({
          at: 2000,
          owner,
          steps: [
            { kind: 'insert', jobs: [newJob()] },
            { kind: 'claim', limit: 10, rooms: [{ type: 'email', limit: 10 }] },
            { kind: 'insert', jobs: [newJob({ type: 'doom' })] },
            { kind: 'insert', jobs: [newJob()] },
          ],
        }),
      );
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(/rolled the whole transaction back/);
      expect(await store.listJobs({})).toEqual([await jobOf(store, id)]);
      expect((await jobOf(store, id)).status).toBe('queued');
      expect(tableCount(store, 'job_events')).toBe(1);
      if (where === 'file') {
        expect(rawCount(filename, 'jobs')).toBe(1);
        expect(rawCount(filename, 'job_events')).toBe(1);
      }
      // The store goes on: the next batch commits.
      expect(await claim(store, 2100)).toMatchObject([{ id }]);
    });

    it('keeps the order of batches sent before the first one resolves', async () => {
      const store = openStore(filenameFor(where));
      const first = store.commit({
        at: 1000,
        owner,
        steps: [{ kind: 'insert', jobs: [newJob()] }],
      });
      const second = store.commit({
        at: 1100,
        owner,
        steps: [{ kind: 'claim', limit: 10, rooms: [{ type: 'email', limit: 10 }] }],
      });
      const third = store.commit({
        at: 1200,
        owner,
        steps: [
          {
            kind: 'changes',
            changes: [
              {
                id: '1',
                from: 'claimed',
                to: 'running',
                event: 'START',
                version: 1,
                at: 1200,
                attempt: 1,
              },
            ],
          },
        ],
      });
      const [a, b, c] = await Promise.all([first, second, third]);
      expect(valueOf(a.results[0], 'insert')).toEqual([{ created: true, id: '1' }]);
      expect(valueOf(b.results[0], 'claim').map((job) => job.id)).toEqual(['1']);
      expect(valueOf(c.results[0], 'changes')).toEqual([2]);
    });

    it('answers the earliest due time when asked', async () => {
      const store = openStore(filenameFor(where));
      const asked = await store.commit({
        at: 1000,
        owner,
        readNextDue: true,
        steps: [
          {
            kind: 'insert',
            jobs: [
              newJob({ status: 'scheduled', runAt: 9000 }),
              newJob({ status: 'scheduled', runAt: 7000 }),
            ],
          },
        ],
      });
      expect(asked.nextDue).toBe(7000);
      const none = await store.commit({ at: 1000, owner, readNextDue: true, steps: [] });
      expect(none).toEqual({ results: [], nextDue: 7000 });
      const notAsked = await store.commit({ at: 1000, owner, steps: [] });
      expect(notAsked).toEqual({ results: [] });
      const empty = openStore(filenameFor(where));
      expect((await empty.commit({ at: 1, owner, readNextDue: true, steps: [] })).nextDue).toBe(
        undefined,
      );
    });
  });

  describe('the promote step', () => {
    async function seed(store: SqliteStore): Promise<Record<string, string>> {
      const scheduledEarly = await insertOne(store, { status: 'scheduled', runAt: 100 });
      const scheduledLate = await insertOne(store, { status: 'scheduled', runAt: 200 });
      const retrying = await runningJob(store, 10, { type: 'sms', priority: 4 });
      await changeOk(store, {
        id: retrying,
        from: 'running',
        to: 'retrying',
        event: 'FAIL',
        version: 2,
        at: 20,
        runAt: 50,
        attempt: 1,
        error: boom,
      });
      const queued = await insertOne(store, { runAt: 0 });
      const claimed = await insertOne(store, { runAt: 0 });
      await claimById(store, claimed, 30);
      const running = await runningJob(store, 30, { runAt: 0 });
      return { scheduledEarly, scheduledLate, retrying, queued, claimed, running };
    }

    async function nextDue(store: SqliteStore): Promise<number | undefined> {
      return (await store.commit({ at: 0, owner, readNextDue: true, steps: [] })).nextDue;
    }

    it('moves only the scheduled and retrying jobs that are due, earliest first', async () => {
      const store = openStore(filenameFor(where));
      const ids = await seed(store);
      expect(await nextDue(store)).toBe(50);
      expect(await step(store, 100, { kind: 'promote', limit: 10 })).toEqual([
        { id: ids['retrying'], type: 'sms', priority: 4, attempt: 1, from: 'retrying' },
        { id: ids['scheduledEarly'], type: 'email', priority: 0, attempt: 0, from: 'scheduled' },
      ]);
      const statuses: Record<string, JobStatus | undefined> = {};
      for (const [name, id] of Object.entries(ids))
        statuses[name] = (await store.getJob(id))?.status;
      expect(statuses).toEqual({
        scheduledEarly: 'queued',
        scheduledLate: 'scheduled',
        retrying: 'queued',
        queued: 'queued',
        claimed: 'claimed',
        running: 'running',
      });
      expect(await nextDue(store)).toBe(200);
      expect((await jobOf(store, ids['queued']!)).version).toBe(0);
      expect((await jobOf(store, ids['claimed']!)).version).toBe(1);
      expect((await jobOf(store, ids['running']!)).version).toBe(2);
    });

    memoryOnly('moves no more than the limit', async () => {
      const store = openStore(filenameFor(where));
      const ids = await seed(store);
      expect((await step(store, 1000, { kind: 'promote', limit: 1 })).map((job) => job.id)).toEqual(
        [ids['retrying']],
      );
      expect((await step(store, 1000, { kind: 'promote', limit: 5 })).map((job) => job.id)).toEqual(
        [ids['scheduledEarly'], ids['scheduledLate']],
      );
      expect(await step(store, 1000, { kind: 'promote', limit: 5 })).toEqual([]);
      expect(await nextDue(store)).toBe(undefined);
    });

    memoryOnly('moves nothing before the first job is due', async () => {
      const store = openStore(filenameFor(where));
      await seed(store);
      expect(await step(store, 49, { kind: 'promote', limit: 10 })).toEqual([]);
    });

    memoryOnly('records a DUE row for each job it moves', async () => {
      const store = openStore(filenameFor(where));
      const ids = await seed(store);
      await step(store, 100, { kind: 'promote', limit: 10 });
      expect(await store.history(ids['scheduledEarly']!)).toEqual([
        { from: null, to: 'scheduled', event: 'ENQUEUE', at: 1000, attempt: 0, error: null },
        { from: 'scheduled', to: 'queued', event: 'DUE', at: 100, attempt: 0, error: null },
      ]);
      expect(await store.history(ids['scheduledLate']!)).toHaveLength(1);
    });
  });

  describe('the progress and checkpoint steps', () => {
    memoryOnly('saves progress at the current version without bumping it', async () => {
      const store = openStore(filenameFor(where));
      const id = await runningJob(store);
      expect(
        await step(store, 1150, { kind: 'progress', id, version: 2, json: '{"done":1,"total":2}' }),
      ).toBe(true);
      expect(await jobOf(store, id)).toMatchObject({
        progress: { done: 1, total: 2 },
        version: 2,
        updatedAt: 1150,
      });
      expect(await store.history(id)).toHaveLength(3);
    });

    it('saves a checkpoint that the next attempt is handed', async () => {
      const store = openStore(filenameFor(where));
      const id = await runningJob(store);
      expect(
        await step(store, 1150, { kind: 'checkpoint', id, version: 2, json: '{"page":7}' }),
      ).toBe(true);
      expect((await jobOf(store, id)).checkpoint).toEqual({ page: 7 });
      await changeOk(
        store,
        outcome({ id, to: 'retrying', event: 'FAIL', runAt: 1300, error: boom }),
      );
      await step(store, 1300, { kind: 'promote', limit: 10 });
      expect(await claim(store, 1400)).toEqual([
        {
          id,
          type: 'email',
          priority: 0,
          payloadJson: '{"to":"ada@example.com"}',
          attempt: 1,
          maxAttempts: 3,
          stalls: 0,
          version: 5,
          checkpointJson: '{"page":7}',
          traceparent: null,
          tracestate: null,
        },
      ]);
    });

    memoryOnly('refuses progress and checkpoints from a writer at a stale version', async () => {
      const store = openStore(filenameFor(where));
      const id = await runningJob(store);
      const before = await jobOf(store, id);
      for (const version of [1, 3]) {
        expect(await step(store, 1150, { kind: 'progress', id, version, json: '{"done":1}' })).toBe(
          false,
        );
        expect(
          await step(store, 1150, { kind: 'checkpoint', id, version, json: '{"page":1}' }),
        ).toBe(false);
      }
      expect(await store.getJob(id)).toEqual(before);
    });

    memoryOnly('refuses both for a job that is not running, even at its version', async () => {
      const store = openStore(filenameFor(where));
      const queued = await insertOne(store);
      const claimed = await insertOne(store);
      await claimById(store, claimed, 1100);
      for (const [id, version] of [
        [queued, 0],
        [claimed, 1],
      ] as const) {
        const before = await jobOf(store, id);
        expect(await step(store, 1150, { kind: 'progress', id, version, json: '{"done":1}' })).toBe(
          false,
        );
        expect(
          await step(store, 1150, { kind: 'checkpoint', id, version, json: '{"page":1}' }),
        ).toBe(false);
        expect(await store.getJob(id)).toEqual(before);
      }
    });

    memoryOnly('refuses both for a malformed id', async () => {
      const store = openStore(filenameFor(where));
      expect(await step(store, 1, { kind: 'progress', id: 'x', version: 0, json: '{}' })).toBe(
        false,
      );
      expect(await step(store, 1, { kind: 'checkpoint', id: 'x', version: 0, json: '{}' })).toBe(
        false,
      );
    });
  });

  describe('the command step', () => {
    memoryOnly('cancels a queued job and replays it, as the machine decides', async () => {
      const store = openStore(filenameFor(where));
      const id = await insertOne(store);
      const cancel = await step(store, 1100, { kind: 'command', id, event: 'CANCEL' });
      expect(cancel.before).toMatchObject({ status: 'queued', version: 0 });
      expect(cancel.after).toMatchObject({ status: 'cancelled', version: 1, finishedAt: 1100 });
      const replay = await step(store, 1200, { kind: 'command', id, event: 'REPLAY' });
      expect(replay.after).toMatchObject({ status: 'queued', version: 2, attempt: 0 });
    });

    it('refuses what the machine refuses, naming the job and its status', async () => {
      const store = openStore(filenameFor(where));
      const id = await runningJob(store);
      await changeOk(store, outcome({ id }));
      const [cancel, replay] = await commit(
        store,
        2100,
        { kind: 'command', id, event: 'CANCEL' },
        { kind: 'command', id, event: 'REPLAY' },
      );
      expect(cancel?.ok === false && cancel.error).toBeInstanceOf(InvalidTransitionError);
      expect(cancel?.ok === false && cancel.error.message).toBe(
        'job 1 is `succeeded`: cannot cancel it',
      );
      expect(replay?.ok === false && replay.error.message).toBe(
        'job 1 is `succeeded`: cannot retry it',
      );
      expect(await store.history(id)).toHaveLength(4);
    });
  });

  describe('countJobs and listJobs', () => {
    async function seed(store: SqliteStore): Promise<void> {
      await insertOne(store); // 1 email queued
      await insertOne(store, { type: 'sms', status: 'scheduled', runAt: 5000 }); // 2 sms scheduled
      await runningJob(store, 1100, { type: 'sms' }); // 3 sms running
      const dead = await runningJob(store, 1100); // 4 email dead
      await changeOk(
        store,
        outcome({ id: dead, to: 'dead', event: 'FAIL', error: boom, at: 1200 }),
      );
      await insertOne(store, { type: 'sms' }); // 5 sms queued
      const claimed = await insertOne(store); // 6 email claimed
      await claimById(store, claimed, 1300);
    }

    it('counts every status, zero included', async () => {
      const store = openStore(filenameFor(where));
      await seed(store);
      expect(await store.countJobs()).toEqual<Record<JobStatus, number>>({
        scheduled: 1,
        queued: 2,
        claimed: 1,
        running: 1,
        retrying: 0,
        succeeded: 0,
        cancelled: 0,
        dead: 1,
      });
    });

    memoryOnly('counts one type', async () => {
      const store = openStore(filenameFor(where));
      await seed(store);
      expect(await store.countJobs('sms')).toEqual({
        scheduled: 1,
        queued: 1,
        claimed: 0,
        running: 1,
        retrying: 0,
        succeeded: 0,
        cancelled: 0,
        dead: 0,
      });
      expect(Object.values(await store.countJobs('nothing'))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    });

    memoryOnly(
      'lists by status, by several statuses, by type and by both, in id order',
      async () => {
        const store = openStore(filenameFor(where));
        await seed(store);
        const ids = async (filter: Parameters<SqliteStore['listJobs']>[0]) =>
          (await store.listJobs(filter)).map((job) => job.id);
        expect(await ids({})).toEqual(['1', '2', '3', '4', '5', '6']);
        expect(await ids({ status: 'queued' })).toEqual(['1', '5']);
        expect(await ids({ status: ['dead', 'scheduled'] })).toEqual(['2', '4']);
        expect(await ids({ status: 'claimed' })).toEqual(['6']);
        expect(await ids({ type: 'email' })).toEqual(['1', '4', '6']);
        expect(await ids({ type: 'sms', status: ['queued', 'running'] })).toEqual(['3', '5']);
        expect(await ids({ status: 'retrying' })).toEqual([]);
      },
    );

    memoryOnly('pages with limit and offset', async () => {
      const store = openStore(filenameFor(where));
      await seed(store);
      const ids = async (filter: Parameters<SqliteStore['listJobs']>[0]) =>
        (await store.listJobs(filter)).map((job) => job.id);
      expect(await ids({ limit: 2 })).toEqual(['1', '2']);
      expect(await ids({ limit: 2, offset: 2 })).toEqual(['3', '4']);
      expect(await ids({ limit: 2, offset: 4 })).toEqual(['5', '6']);
      expect(await ids({ offset: 6 })).toEqual([]);
    });
  });

  describe('the retry guard', () => {
    it('refuses to move a job on its last attempt to retrying, and writes nothing', async () => {
      const store = openStore(filenameFor(where));
      const id = await runningJob(store, 1100, { maxAttempts: 1 });
      const before = await store.history(id);
      const error = await changeRefused(
        store,
        outcome({ id, to: 'retrying', event: 'FAIL', runAt: 5000 }),
      );
      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect(error.message).toBe(
        'job 1 is `running`: cannot FAIL to `retrying` (attempt 1 of 1 was the last)',
      );
      expect((await jobOf(store, id)).status).toBe('running');
      expect(await store.history(id)).toEqual(before);
    });

    memoryOnly('lets the same failure end the job dead', async () => {
      const store = openStore(filenameFor(where));
      const id = await runningJob(store, 1100, { maxAttempts: 1 });
      expect(await changeOk(store, outcome({ id, to: 'dead', event: 'FAIL' }))).toBe(3);
      expect((await jobOf(store, id)).status).toBe('dead');
    });

    memoryOnly('checks the attempt a recovery from claimed counts', async () => {
      const store = openStore(filenameFor(where));
      const id = await insertOne(store, { maxAttempts: 1 });
      await claimById(store, id, 1100);
      const recover: StatusChange = {
        id,
        from: 'claimed',
        to: 'retrying',
        event: 'RECOVER',
        version: 1,
        at: 1200,
        attempt: 1,
        stalls: 4,
        runAt: 1300,
      };
      const error = await changeRefused(store, recover);
      expect(error.message).toBe(
        'job 1 is `claimed`: cannot RECOVER to `retrying` (attempt 1 of 1 was the last)',
      );
      const toDead: StatusChange = {
        id,
        from: 'claimed',
        to: 'dead',
        event: 'RECOVER',
        version: 1,
        at: 1200,
        attempt: 1,
        stalls: 4,
      };
      expect(await changeOk(store, toDead)).toBe(2);
      expect(await jobOf(store, id)).toMatchObject({ status: 'dead', attempt: 1, stalls: 4 });
    });
  });
});

describe('SqliteStore', () => {
  describe('two writers on one file', () => {
    it('lets the first of two writers at the same version win and refuses the second', async () => {
      const filename = tempDatabase();
      const writerA = openStore(filename);
      const writerB = openStore(filename);
      const id = await runningJob(writerA);
      expect((await jobOf(writerA, id)).version).toBe(2);
      expect((await jobOf(writerB, id)).version).toBe(2);

      expect(await changeOk(writerA, outcome({ id }))).toBe(3);
      const afterA = await jobOf(writerA, id);

      const error = await changeRefused(
        writerB,
        outcome({ id, to: 'cancelled', event: 'CANCEL', at: 3000 }),
      );
      expect(error).toBeInstanceOf(VersionConflictError);
      expect(error).toMatchObject({
        code: 'VERSION_CONFLICT',
        jobId: id,
        expectedVersion: 2,
        actualVersion: 3,
        message: 'job 1 changed under the writer: expected version 2, found 3',
      });
      expect(await writerB.getJob(id)).toEqual(afterA);
      expect((await writerB.history(id)).map((entry) => entry.event)).toEqual([
        'ENQUEUE',
        'CLAIM',
        'START',
        'SUCCEED',
      ]);
      expect(rawCount(filename, 'job_events')).toBe(4);
    });

    it('never claims one job for both', async () => {
      const filename = tempDatabase();
      const writerA = openStore(filename);
      const writerB = openStore(filename);
      await insert(writerA, 1000, ...Array.from({ length: 20 }, () => newJob()));
      const [a, b] = await Promise.all([claim(writerA, 1100, 12), claim(writerB, 1100, 12)]);
      const ids = [...(a ?? []), ...(b ?? [])].map((job) => job.id);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    });
  });

  describe('history written by triggers', () => {
    it('logs a status change written behind the store', async () => {
      const filename = tempDatabase();
      const store = openStore(filename);
      const id = await insertOne(store, { at: 1000 });
      withConnection(filename, (raw) => {
        raw
          .prepare(
            `UPDATE jobs SET status = 'cancelled', version = version + 1, updated_at = 1400,
               last_event = 'CANCEL', last_event_has_error = 0 WHERE id = ?`,
          )
          .run(Number(id));
        // A write that leaves the version alone (progress, checkpoint) is not a status change.
        raw.prepare(`UPDATE jobs SET progress = '{"done":1}' WHERE id = ?`).run(Number(id));
      });
      expect(await store.history(id)).toEqual([
        { from: null, to: 'queued', event: 'ENQUEUE', at: 1000, attempt: 0, error: null },
        { from: 'queued', to: 'cancelled', event: 'CANCEL', at: 1400, attempt: 0, error: null },
      ]);
    });

    it('refuses a status change that does not bump the version, so none goes unlogged', async () => {
      const filename = tempDatabase();
      const store = openStore(filename);
      const id = await insertOne(store, { at: 1000 });
      withConnection(filename, (raw) => {
        const sneak = raw.prepare(`UPDATE jobs SET status = 'dead' WHERE id = ?`);
        expect(() => sneak.run(Number(id))).toThrow(/must bump the version/);
      });
      expect((await jobOf(store, id)).status).toBe('queued');
      expect(await store.history(id)).toHaveLength(1);
    });
  });

  describe('ownership', () => {
    function ownerRecord(token: string): OwnerRecord {
      return {
        token,
        pid: process.pid,
        host: 'here',
        processStartedAt: 0,
        startedAt: 1000,
        heartbeatAt: 1000,
      };
    }

    /** A claim that replaces any owner it finds; `lost` records who took the file. */
    function claimFor(token: string): OwnershipClaim & { readonly lostTo: (string | undefined)[] } {
      const lostTo: (string | undefined)[] = [];
      return {
        owner: ownerRecord(token),
        lostTo,
        mayReplace: () => true,
        refused: (current) => new Error(`refused by ${current.token}`),
        lost: (current) => {
          lostTo.push(current?.token);
          return new Error(`${token} lost the file to ${current?.token ?? 'nobody'}`);
        },
      };
    }

    it('refuses a commit after another owner took the file, and stores none of it', async () => {
      const filename = tempDatabase();
      const a = claimFor('a');
      const first = openStore(filename, a);
      await insertOne(first);
      expect(await first.renewOwnership('a', 1500)).toBe(true);

      const second = openStore(filename, claimFor('b'));
      const failure = await failureOf(() =>
        first.commit({ at: 2000, owner: 'a', steps: [{ kind: 'insert', jobs: [newJob()] }] }),
      );
      expect((failure as Error).message).toBe('a lost the file to b');
      expect(rawCount(filename, 'jobs')).toBe(1);
      expect(rawCount(filename, 'job_events')).toBe(1);

      // Fenced from then on: every write is refused with the same error, `lost` called once.
      const again = await failureOf(() => claim(first, 2100));
      expect(again).toBe(failure);
      expect(() =>
        first.recordActorEvent({
          actorId: 'x',
          supervisorId: null,
          kind: 'started',
          at: 1,
          restarts: 0,
        }),
      ).toThrow('a lost the file to b');
      expect(await first.renewOwnership('a', 2200)).toBe(false);
      expect(a.lostTo).toEqual(['b']);
      expect(rawCount(filename, 'actor_events')).toBe(0);
      // The new owner goes on.
      expect((await claim(second, 2300)).map((job) => job.id)).toEqual(['1']);
    });

    it('refuses a commit once the owner row is gone', async () => {
      const filename = tempDatabase();
      const a = claimFor('a');
      const store = openStore(filename, a);
      await insertOne(store);
      withConnection(filename, (db) => db.exec('DELETE FROM owner'));
      const failure = await failureOf(() => insertOne(store));
      expect((failure as Error).message).toBe('a lost the file to nobody');
      expect(a.lostTo).toEqual([undefined]);
      expect(rawCount(filename, 'jobs')).toBe(1);
    });

    it('gives the file up on release: a later open finds no owner', async () => {
      const filename = tempDatabase();
      const store = openStore(filename, claimFor('a'));
      store.releaseOwnership('a');
      expect(rawCount(filename, 'owner')).toBe(0);
      await store.close();
      const refusing: OwnershipClaim = { ...claimFor('b'), mayReplace: () => false };
      expect(() => openStore(filename, refusing)).not.toThrow();
    });
  });

  describe('opening', () => {
    function expectUntouched(filename: string, digest: string): void {
      expect(sha256(filename)).toBe(digest);
      expect(existsSync(`${filename}-wal`)).toBe(false);
      expect(existsSync(`${filename}-shm`)).toBe(false);
    }

    function openError(filename: string): DatabaseError {
      let error: unknown;
      try {
        openStore(filename);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(DatabaseError);
      expect(WardenError.is(error)).toBe(true);
      return error as DatabaseError;
    }

    it('stamps a new file as a Warden database in WAL mode, at the latest schema', async () => {
      const filename = tempDatabase();
      await openStore(filename).close();
      withConnection(
        filename,
        (db) => {
          expect(db.pragma('application_id', { simple: true })).toBe(WARDEN_APPLICATION_ID);
          expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
          expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        },
        true,
      );
    });

    it('opens an empty file as a new database', async () => {
      const filename = tempDatabase();
      writeFileSync(filename, '');
      const store = openStore(filename);
      expect(await insert(store, 1000, newJob())).toEqual([{ created: true, id: '1' }]);
    });

    it('keeps its jobs and history across close and reopen', async () => {
      const filename = tempDatabase();
      const first = openStore(filename);
      const id = await runningJob(first);
      await changeOk(first, outcome({ id, resultJson: '[1,2]' }));
      await insertOne(first, { status: 'scheduled', runAt: 9000, idempotencyKey: 'later' });
      const jobs = await first.listJobs({});
      const history = await first.history(id);
      await first.close();

      const second = openStore(filename);
      expect(await second.listJobs({})).toEqual(jobs);
      expect(await second.history(id)).toEqual(history);
      expect((await second.commit({ at: 0, owner, readNextDue: true, steps: [] })).nextDue).toBe(
        9000,
      );
      const [again, fresh] = await insert(
        second,
        9500,
        newJob({ idempotencyKey: 'later', status: 'scheduled' }),
        newJob(),
      );
      expect(again?.created).toBe(false);
      expect(fresh).toEqual({ created: true, id: '3' });
    });

    it('refuses to be used before it is opened or after it is closed', async () => {
      const store = new SqliteStore({ filename: ':memory:', synchronous: 'normal' });
      const uses: (() => Promise<unknown>)[] = [
        () => store.getJob('1'),
        () => store.listJobs({}),
        () => store.listJobsPage({}),
        () => store.countJobs(),
        () => store.history('1'),
        () => store.unfinishedJobs(),
        () => store.commit({ at: 1, owner, steps: [] }),
      ];
      for (const use of uses) {
        expect(await failureOf(use)).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      }
      store.open();
      await store.close();
      for (const use of uses) {
        expect(await failureOf(use)).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      }
    });

    it('applies the commits sent before close, then closes', async () => {
      const filename = tempDatabase();
      const store = new SqliteStore({ filename, synchronous: 'normal' });
      store.open();
      const pending = store.commit({
        at: 1000,
        owner,
        steps: [{ kind: 'insert', jobs: [newJob()] }],
      });
      await store.close();
      expect((await pending).results[0]?.ok).toBe(true);
      expect(rawCount(filename, 'jobs')).toBe(1);
    });

    it('refuses the SQLite database of another application and leaves it untouched', () => {
      const filename = tempDatabase();
      withConnection(filename, (foreign) =>
        foreign.exec(
          "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hi')",
        ),
      );
      const digest = sha256(filename);

      const error = openError(filename);
      expect(error.code).toBe('NOT_A_WARDEN_DATABASE');
      expect(error.message).toBe(
        `\`${filename}\` is an SQLite database of another application (application_id 0, 1 schema objects); it was left untouched`,
      );
      expectUntouched(filename, digest);
    });

    it('refuses a database stamped by another application even with no tables', () => {
      const filename = tempDatabase();
      withConnection(filename, (foreign) => foreign.pragma('application_id = 1234'));
      const digest = sha256(filename);
      expect(openError(filename).code).toBe('NOT_A_WARDEN_DATABASE');
      expectUntouched(filename, digest);
    });

    it('refuses a file of random bytes as corrupt and leaves it untouched', () => {
      const filename = tempDatabase();
      writeFileSync(filename, noise(8192));
      const digest = sha256(filename);

      const error = openError(filename);
      expect(error.code).toBe('DATABASE_CORRUPT');
      expect(error.message).toBe(
        `\`${filename}\` is not a readable SQLite database (SQLITE_NOTADB); it was left untouched`,
      );
      expectUntouched(filename, digest);
    });

    it('refuses a Warden database from a newer schema and leaves it untouched', async () => {
      const filename = tempDatabase();
      const warden = openStore(filename);
      await insertOne(warden);
      await warden.close();
      withConnection(filename, (bump) => bump.pragma(`user_version = ${migrations.length + 1}`));
      const digest = sha256(filename);

      const error = openError(filename);
      expect(error.code).toBe('SCHEMA_TOO_NEW');
      expect(error.message).toBe(
        `\`${filename}\` has schema version ${migrations.length + 1}, newer than this Warden's ${migrations.length}; upgrade Warden to open it (the file was left untouched)`,
      );
      expectUntouched(filename, digest);
    });
  });
});

describe('migrating a 0.1.0 file (schema version 6)', () => {
  /**
   * A file as Warden 0.1.0 left it: its six migrations, and jobs written as 0.1.0 wrote them
   * (a claim went `queued → running` with `START`, counting the attempt; the history triggers of
   * migration 3 logged each change).
   */
  function fileOf010(filename: string): void {
    withConnection(filename, (db) => {
      db.pragma('journal_mode = WAL');
      db.transaction(() => {
        for (const migration of migrations.slice(0, 6)) {
          if (typeof migration === 'function') migration(db);
          else db.exec(migration);
        }
        db.pragma(`application_id = ${WARDEN_APPLICATION_ID}`);
        db.pragma('user_version = 6');
      })();
      const enqueue = db.prepare(
        `INSERT INTO jobs (type, status, payload, priority, run_at, max_attempts, idempotency_key,
           created_at, updated_at, last_event)
         VALUES (?, ?, ?, ?, ?, 3, ?, 1000, 1000, 'ENQUEUE')`,
      );
      const move = db.prepare(
        `UPDATE jobs SET status = @to, version = version + 1, updated_at = @at,
           attempt = coalesce(@attempt, attempt), last_event = @event,
           last_error = coalesce(@error, last_error), last_event_has_error = @error IS NOT NULL,
           result = coalesce(@result, result),
           started_at = CASE WHEN @to = 'running' THEN @at ELSE started_at END,
           finished_at = CASE WHEN @to IN ('succeeded', 'dead', 'cancelled') THEN @at END
         WHERE id = @id`,
      );
      const to = (id: number, status: string, event: string, at: number, extra: object = {}) =>
        move.run({ id, to: status, event, at, attempt: null, error: null, result: null, ...extra });
      enqueue.run('email', 'queued', '{"to":"ada@example.com"}', 2, 1000, 'welcome-1'); // 1
      enqueue.run('email', 'scheduled', '{"n":2}', 0, 90_000, null); // 2
      enqueue.run('email', 'queued', '{"n":3}', 0, 1000, null); // 3: running
      to(3, 'running', 'START', 1100, { attempt: 1 });
      db.prepare(
        `UPDATE jobs SET progress = '{"done":2,"total":5}', checkpoint = '{"page":2}' WHERE id = 3`,
      ).run();
      enqueue.run('sms', 'queued', '{"n":4}', 0, 1000, null); // 4: retrying
      to(4, 'running', 'START', 1100, { attempt: 1 });
      to(4, 'retrying', 'FAIL', 1200, { error: JSON.stringify(boom) });
      db.prepare('UPDATE jobs SET run_at = 5000 WHERE id = 4').run();
      enqueue.run('sms', 'queued', '{"n":5}', 0, 1000, 'k5'); // 5: succeeded
      to(5, 'running', 'START', 1100, { attempt: 1 });
      to(5, 'succeeded', 'SUCCEED', 1300, { result: '{"ok":true}' });
      enqueue.run('email', 'queued', '{"n":6}', 0, 1000, null); // 6: dead
      to(6, 'running', 'START', 1100, { attempt: 1 });
      to(6, 'dead', 'FAIL', 1400, { error: JSON.stringify(bang) });
      enqueue.run('email', 'queued', '{"n":7}', 0, 1000, null); // 7: cancelled
      to(7, 'cancelled', 'CANCEL', 1500);
    });
  }

  function rows(filename: string): unknown[] {
    return withConnection(
      filename,
      (db) =>
        db
          .prepare(
            `SELECT id, type, status, payload, priority, run_at, attempt, max_attempts, version,
               idempotency_key, progress, checkpoint, result, last_error, via_fallback, created_at,
               updated_at, started_at, finished_at FROM jobs ORDER BY id`,
          )
          .all(),
      true,
    );
  }

  function events(filename: string): unknown[] {
    return withConnection(
      filename,
      (db) => db.prepare('SELECT * FROM job_events ORDER BY job_id, version').all(),
      true,
    );
  }

  it('opens and migrates it with its jobs and history intact and stalls at 0', async () => {
    const filename = tempDatabase();
    fileOf010(filename);
    const jobsBefore = rows(filename);
    const eventsBefore = events(filename);
    expect(jobsBefore).toHaveLength(7);

    const store = openStore(filename);
    withConnection(
      filename,
      (db) => expect(db.pragma('user_version', { simple: true })).toBe(migrations.length),
      true,
    );
    expect(migrations).toHaveLength(9);
    // Every column 0.1.0 had keeps its value; the new one starts at 0.
    expect(rows(filename)).toEqual(jobsBefore);
    expect(events(filename)).toEqual(eventsBefore);
    const jobs = await store.listJobs({});
    expect(jobs.map((job) => [job.id, job.status, job.attempt, job.version, job.stalls])).toEqual([
      ['1', 'queued', 0, 0, 0],
      ['2', 'scheduled', 0, 0, 0],
      ['3', 'running', 1, 1, 0],
      ['4', 'retrying', 1, 2, 0],
      ['5', 'succeeded', 1, 2, 0],
      ['6', 'dead', 1, 2, 0],
      ['7', 'cancelled', 0, 1, 0],
    ]);
    expect(await store.getJob('3')).toEqual<Job>({
      id: '3',
      type: 'email',
      status: 'running',
      payload: { n: 3 },
      priority: 0,
      attempt: 1,
      maxAttempts: 3,
      stalls: 0,
      runAt: 1000,
      version: 1,
      idempotencyKey: null,
      progress: { done: 2, total: 5 },
      checkpoint: { page: 2 },
      result: null,
      error: null,
      viaFallback: false,
      createdAt: 1000,
      updatedAt: 1100,
      startedAt: 1100,
      finishedAt: null,
      traceparent: null,
      tracestate: null,
    });
    expect(await store.getJob('4')).toMatchObject({ error: boom, runAt: 5000 });
    expect(await store.getJob('5')).toMatchObject({ result: { ok: true }, finishedAt: 1300 });
    expect(await store.countJobs()).toEqual({
      scheduled: 1,
      queued: 1,
      claimed: 0,
      running: 1,
      retrying: 1,
      succeeded: 1,
      cancelled: 1,
      dead: 1,
    });
    // The job 0.1.0 left running is found for recovery.
    expect((await store.unfinishedJobs()).map((job) => job.id)).toEqual(['3']);
    expect(await store.history('5')).toEqual([
      { from: null, to: 'queued', event: 'ENQUEUE', at: 1000, attempt: 0, error: null },
      { from: 'queued', to: 'running', event: 'START', at: 1100, attempt: 1, error: null },
      { from: 'running', to: 'succeeded', event: 'SUCCEED', at: 1300, attempt: 1, error: null },
    ]);

    // The new runtime goes on from there: keys still hold, the queued job is claimed, the
    // running one recovered as stalled, the history continues.
    expect(await insert(store, 2000, newJob({ idempotencyKey: 'welcome-1' }))).toMatchObject([
      { created: false, job: { id: '1' } },
    ]);
    expect(
      (await claim(store, 2000, 10, ['email', 'sms'])).map((job) => [
        job.id,
        job.attempt,
        job.stalls,
      ]),
    ).toEqual([['1', 0, 0]]);
    await changeOk(store, {
      id: '3',
      from: 'running',
      to: 'retrying',
      event: 'STALL',
      version: 1,
      at: 2000,
      attempt: 1,
      runAt: 2500,
    });
    expect((await store.history('3')).map((entry) => entry.event)).toEqual([
      'ENQUEUE',
      'START',
      'STALL',
    ]);
    await store.close();

    // Opening again runs no migration twice.
    const again = openStore(filename);
    expect((await again.listJobs({})).map((job) => job.status)).toEqual([
      'claimed',
      'scheduled',
      'retrying',
      'retrying',
      'succeeded',
      'dead',
      'cancelled',
    ]);
    expect(rawCount(filename, 'job_events')).toBe(eventsBefore.length + 2);
  });
});

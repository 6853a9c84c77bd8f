import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
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
import type { JobHistoryEntry, NewJob, StatusChange } from '../../src/persistence/Store.js';
import { tempDatabase } from '../helpers.js';

const opened: SqliteStore[] = [];

afterEach(() => {
  for (const store of opened.splice(0).reverse()) store.close();
});

function openStore(filename = ':memory:'): SqliteStore {
  const store = new SqliteStore({ filename, synchronous: 'normal' });
  opened.push(store);
  store.open();
  return store;
}

function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    type: 'email',
    status: 'queued',
    payloadJson: '{"to":"ada@example.com"}',
    priority: 0,
    runAt: 1000,
    maxAttempts: 3,
    idempotencyKey: null,
    at: 1000,
    ...overrides,
  };
}

/** Inserts a queued job and claims it at `at`: the job is running, attempt 1, version 1. */
function runningJob(store: SqliteStore, at = 1100, overrides: Partial<NewJob> = {}): string {
  const { job } = store.insertJob(newJob(overrides));
  const [claimed] = store.claim([job.id], at);
  if (claimed === undefined) throw new Error('claim failed');
  return job.id;
}

function change(overrides: Partial<StatusChange> & Pick<StatusChange, 'id'>): StatusChange {
  return { from: 'running', to: 'succeeded', event: 'SUCCEED', version: 1, at: 2000, ...overrides };
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** Reads straight from the file with a second connection: what another process would see. */
function rawCount(filename: string, table: 'jobs' | 'job_events'): number {
  const db = new Database(filename, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
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

const boom: SerializedError = { name: 'Error', message: 'boom', code: 'E_BOOM' };
const bang: SerializedError = { name: 'TypeError', message: 'bang' };

describe('SqliteStore', () => {
  describe('insertJob', () => {
    it('inserts a queued job at version 0 and records its creation', () => {
      const store = openStore();
      const { job, created } = store.insertJob(newJob({ priority: 5, idempotencyKey: 'k1' }));
      expect(created).toBe(true);
      expect(job).toEqual({
        id: '1',
        type: 'email',
        status: 'queued',
        payload: { to: 'ada@example.com' },
        priority: 5,
        attempt: 0,
        maxAttempts: 3,
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
      });
      expect(store.getJob('1')).toEqual(job);
      expect(store.history('1')).toEqual([
        { from: null, to: 'queued', event: 'ENQUEUE', at: 1000, attempt: 0, error: null },
      ]);
    });

    it('returns the existing job for a taken type and key, without writing a history row', () => {
      const filename = tempDatabase();
      const store = openStore(filename);
      const first = store.insertJob(newJob({ idempotencyKey: 'welcome-42' }));
      const second = store.insertJob(
        newJob({ idempotencyKey: 'welcome-42', payloadJson: '{"to":"other"}', at: 5000 }),
      );
      expect(second.created).toBe(false);
      expect(second.job).toEqual(first.job);
      expect(store.history(first.job.id)).toHaveLength(1);
      expect(rawCount(filename, 'jobs')).toBe(1);
      expect(rawCount(filename, 'job_events')).toBe(1);
    });

    it('returns the existing job with its current status and version', () => {
      const store = openStore();
      const id = runningJob(store, 1100, { idempotencyKey: 'k' });
      const again = store.insertJob(newJob({ idempotencyKey: 'k' }));
      expect(again.created).toBe(false);
      expect(again.job.id).toBe(id);
      expect(again.job.status).toBe('running');
      expect(again.job.version).toBe(1);
      expect(store.history(id)).toHaveLength(2);
    });

    it('lets another type use the same key', () => {
      const store = openStore();
      store.insertJob(newJob({ idempotencyKey: 'k' }));
      const other = store.insertJob(newJob({ type: 'sms', idempotencyKey: 'k' }));
      expect(other.created).toBe(true);
      expect(other.job.id).toBe('2');
    });

    it('never deduplicates jobs without a key', () => {
      const store = openStore();
      expect(store.insertJob(newJob()).created).toBe(true);
      expect(store.insertJob(newJob()).created).toBe(true);
      expect(store.listJobs({}).map((job) => job.id)).toEqual(['1', '2']);
    });
  });

  describe('changeStatus', () => {
    it('applies a legal change, bumps the version and returns it', () => {
      const store = openStore();
      const id = runningJob(store);
      expect(store.changeStatus(change({ id, resultJson: '{"sent":true}', attempt: 1 }))).toBe(2);
      expect(store.getJob(id)).toMatchObject({
        status: 'succeeded',
        version: 2,
        result: { sent: true },
        viaFallback: false,
        updatedAt: 2000,
        startedAt: 1100,
        finishedAt: 2000,
      });
    });

    it('refuses to cancel a succeeded job and writes nothing', () => {
      const filename = tempDatabase();
      const store = openStore(filename);
      const id = runningJob(store);
      store.changeStatus(change({ id, attempt: 1 }));
      const before = store.getJob(id);
      const error = thrownBy(() =>
        store.changeStatus(
          change({ id, from: 'succeeded', to: 'cancelled', event: 'CANCEL', version: 2 }),
        ),
      );
      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect((error as InvalidTransitionError).code).toBe('INVALID_TRANSITION');
      expect((error as InvalidTransitionError).message).toBe(
        'job 1 is `succeeded`: cannot CANCEL to `cancelled`',
      );
      expect(store.getJob(id)).toEqual(before);
      expect(store.history(id)).toHaveLength(3);
      expect(rawCount(filename, 'job_events')).toBe(3);
    });

    it.each([
      {
        from: 'queued',
        event: 'SUCCEED',
        to: 'succeeded',
        message: 'job 1 is `queued`: cannot SUCCEED to `succeeded`',
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
    ] as const)(
      'refuses $event from $from to $to, naming the job, its status and the change',
      ({ from, event, to, message }) => {
        const store = openStore();
        const { job } = store.insertJob(newJob());
        const error = thrownBy(() =>
          store.changeStatus({ id: job.id, from, to, event, version: 0, at: 2000 }),
        );
        expect(error).toBeInstanceOf(InvalidTransitionError);
        expect((error as InvalidTransitionError).message).toBe(message);
        expect(store.getJob(job.id)).toEqual(job);
        expect(store.history(job.id)).toHaveLength(1);
      },
    );

    it('refuses a writer whose status is out of date, naming the status the job has', () => {
      const store = openStore();
      const { job } = store.insertJob(newJob());
      const error = thrownBy(() => store.changeStatus(change({ id: job.id, version: 0 })));
      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect((error as InvalidTransitionError).message).toBe(
        'job 1 is `queued`: cannot SUCCEED to `succeeded` (the writer expected `running`)',
      );
      expect(store.getJob(job.id)).toEqual(job);
      expect(store.history(job.id)).toHaveLength(1);
    });

    it('lets the first of two writers at the same version win and refuses the second', () => {
      const filename = tempDatabase();
      const writerA = openStore(filename);
      const writerB = openStore(filename);
      const id = runningJob(writerA);
      const readByA = writerA.getJob(id);
      const readByB = writerB.getJob(id);
      expect(readByA?.version).toBe(1);
      expect(readByB?.version).toBe(1);

      expect(writerA.changeStatus(change({ id, version: 1, attempt: 1 }))).toBe(2);
      const afterA = writerA.getJob(id);

      const error = thrownBy(() =>
        writerB.changeStatus(
          change({ id, to: 'cancelled', event: 'CANCEL', version: 1, at: 3000, attempt: 1 }),
        ),
      );
      expect(error).toBeInstanceOf(VersionConflictError);
      expect(error).toMatchObject({
        code: 'VERSION_CONFLICT',
        jobId: id,
        expectedVersion: 1,
        actualVersion: 2,
        message: 'job 1 changed under the writer: expected version 1, found 2',
      });
      expect(writerB.getJob(id)).toEqual(afterA);
      expect(writerB.getJob(id)?.status).toBe('succeeded');
      expect(writerB.history(id).map((entry) => entry.event)).toEqual([
        'ENQUEUE',
        'START',
        'SUCCEED',
      ]);
      expect(rawCount(filename, 'job_events')).toBe(3);
    });

    it('refuses a stale version even when the status still matches', () => {
      const store = openStore();
      const id = runningJob(store);
      store.saveProgress(id, 1, '{"done":1}', 1200);
      const error = thrownBy(() => store.changeStatus(change({ id, version: 0 })));
      expect(error).toBeInstanceOf(VersionConflictError);
      expect(store.getJob(id)?.status).toBe('running');
    });

    it('refuses an unknown job with JobNotFoundError', () => {
      const store = openStore();
      for (const id of ['999', 'abc', '0', '']) {
        const error = thrownBy(() => store.changeStatus(change({ id })));
        expect(error).toBeInstanceOf(JobNotFoundError);
        expect((error as JobNotFoundError).code).toBe('JOB_NOT_FOUND');
      }
    });
  });

  describe('history', () => {
    it('records every write of a lifecycle with from, to, event, attempt and error', () => {
      const filename = tempDatabase();
      const store = openStore(filename);
      const versions: number[] = [];
      const { job } = store.insertJob(newJob({ at: 1000 }));
      const id = job.id;
      versions.push(job.version);
      versions.push(store.claim([id], 1100)[0]?.version ?? -1);
      versions.push(
        store.changeStatus({
          id,
          from: 'running',
          to: 'retrying',
          event: 'FAIL',
          version: 1,
          at: 1200,
          runAt: 1500,
          attempt: 1,
          error: boom,
        }),
      );
      expect(store.promoteDue(1500, 10)).toEqual([{ id, type: 'email', attempt: 1 }]);
      versions.push(store.getJob(id)?.version ?? -1);
      versions.push(store.claim([id], 1600)[0]?.version ?? -1);
      versions.push(
        store.changeStatus({
          id,
          from: 'running',
          to: 'dead',
          event: 'FAIL',
          version: 4,
          at: 1700,
          attempt: 2,
          error: bang,
        }),
      );
      versions.push(
        store.changeStatus({
          id,
          from: 'dead',
          to: 'queued',
          event: 'REPLAY',
          version: 5,
          at: 1800,
          attempt: 0,
        }),
      );

      expect(versions).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(store.history(id)).toEqual<JobHistoryEntry[]>([
        { from: null, to: 'queued', event: 'ENQUEUE', at: 1000, attempt: 0, error: null },
        { from: 'queued', to: 'running', event: 'START', at: 1100, attempt: 1, error: null },
        { from: 'running', to: 'retrying', event: 'FAIL', at: 1200, attempt: 1, error: boom },
        { from: 'retrying', to: 'queued', event: 'DUE', at: 1500, attempt: 1, error: null },
        { from: 'queued', to: 'running', event: 'START', at: 1600, attempt: 2, error: null },
        { from: 'running', to: 'dead', event: 'FAIL', at: 1700, attempt: 2, error: bang },
        { from: 'dead', to: 'queued', event: 'REPLAY', at: 1800, attempt: 0, error: null },
      ]);
      expect(rawCount(filename, 'job_events')).toBe(7);
      expect(store.getJob(id)).toMatchObject({
        status: 'queued',
        attempt: 0,
        version: 6,
        runAt: 1500,
        error: bang,
        startedAt: 1600,
        finishedAt: null,
      });
    });

    it("records the job's attempt when a change does not restate it", () => {
      const store = openStore();
      const id = runningJob(store);
      store.changeStatus({
        id,
        from: 'running',
        to: 'cancelled',
        event: 'CANCEL',
        version: 1,
        at: 1300,
      });
      expect(store.getJob(id)?.attempt).toBe(1);
      expect(store.history(id).at(-1)).toEqual({
        from: 'running',
        to: 'cancelled',
        event: 'CANCEL',
        at: 1300,
        attempt: 1,
        error: null,
      });
    });

    it('logs a status change written behind the store, since triggers write the history', () => {
      const filename = tempDatabase();
      const store = openStore(filename);
      const { job } = store.insertJob(newJob({ at: 1000 }));
      const raw = new Database(filename);
      try {
        raw
          .prepare(
            `UPDATE jobs SET status = 'cancelled', version = version + 1, updated_at = 1400,
               last_event = 'CANCEL', last_event_has_error = 0 WHERE id = ?`,
          )
          .run(Number(job.id));
        // A write that leaves the version alone (progress, checkpoint) is not a status change.
        raw.prepare(`UPDATE jobs SET progress = '{"done":1}' WHERE id = ?`).run(Number(job.id));
      } finally {
        raw.close();
      }
      expect(store.history(job.id)).toEqual([
        { from: null, to: 'queued', event: 'ENQUEUE', at: 1000, attempt: 0, error: null },
        { from: 'queued', to: 'cancelled', event: 'CANCEL', at: 1400, attempt: 0, error: null },
      ]);
    });

    it('refuses a status change that does not bump the version, so none goes unlogged', () => {
      const filename = tempDatabase();
      const store = openStore(filename);
      const { job } = store.insertJob(newJob({ at: 1000 }));
      const raw = new Database(filename);
      try {
        const sneak = raw.prepare(`UPDATE jobs SET status = 'dead' WHERE id = ?`);
        expect(() => sneak.run(Number(job.id))).toThrow(/must bump the version/);
      } finally {
        raw.close();
      }
      expect(store.getJob(job.id)?.status).toBe('queued');
      expect(store.history(job.id)).toHaveLength(1);
    });

    it('gives nothing for an unknown or malformed id', () => {
      const store = openStore();
      expect(store.history('42')).toEqual([]);
      expect(store.history('not-an-id')).toEqual([]);
    });
  });

  describe('transaction', () => {
    it('writes nothing when the function throws', () => {
      const filename = tempDatabase();
      const store = openStore(filename);
      expect(() =>
        store.transaction(() => {
          const { job } = store.insertJob(newJob());
          store.claim([job.id], 1100);
          throw new Error('abort');
        }),
      ).toThrow('abort');
      expect(store.listJobs({})).toEqual([]);
      expect(store.history('1')).toEqual([]);
      expect(rawCount(filename, 'jobs')).toBe(0);
      expect(rawCount(filename, 'job_events')).toBe(0);
    });

    it('commits every write of the function together', () => {
      const filename = tempDatabase();
      const store = openStore(filename);
      const ids = store.transaction(() => [
        store.insertJob(newJob()).job.id,
        store.insertJob(newJob({ type: 'sms' })).job.id,
      ]);
      expect(ids).toEqual(['1', '2']);
      expect(rawCount(filename, 'jobs')).toBe(2);
      expect(rawCount(filename, 'job_events')).toBe(2);
    });
  });

  describe('promoteDue', () => {
    function seed(store: SqliteStore): Record<string, string> {
      const scheduledEarly = store.insertJob(newJob({ status: 'scheduled', runAt: 100 })).job.id;
      const scheduledLate = store.insertJob(newJob({ status: 'scheduled', runAt: 200 })).job.id;
      const retrying = runningJob(store, 10, { type: 'sms' });
      store.changeStatus({
        id: retrying,
        from: 'running',
        to: 'retrying',
        event: 'FAIL',
        version: 1,
        at: 20,
        runAt: 50,
        attempt: 1,
        error: boom,
      });
      const queued = store.insertJob(newJob({ runAt: 0 })).job.id;
      const running = runningJob(store, 30, { runAt: 0 });
      return { scheduledEarly, scheduledLate, retrying, queued, running };
    }

    it('moves only the scheduled and retrying jobs that are due, earliest first', () => {
      const store = openStore();
      const ids = seed(store);
      expect(store.nextDueAt()).toBe(50);
      expect(store.promoteDue(100, 10)).toEqual([
        { id: ids['retrying'], type: 'sms', attempt: 1 },
        { id: ids['scheduledEarly'], type: 'email', attempt: 0 },
      ]);
      const statuses = Object.fromEntries(
        Object.entries(ids).map(([name, id]) => [name, store.getJob(id)?.status]),
      );
      expect(statuses).toEqual({
        scheduledEarly: 'queued',
        scheduledLate: 'scheduled',
        retrying: 'queued',
        queued: 'queued',
        running: 'running',
      });
      expect(store.nextDueAt()).toBe(200);
      expect(store.getJob(ids['queued'] ?? '')?.version).toBe(0);
      expect(store.getJob(ids['running'] ?? '')?.version).toBe(1);
    });

    it('moves no more than the limit', () => {
      const store = openStore();
      const ids = seed(store);
      expect(store.promoteDue(1000, 1)).toEqual([{ id: ids['retrying'], type: 'sms', attempt: 1 }]);
      expect(store.promoteDue(1000, 5).map((job) => job.id)).toEqual([
        ids['scheduledEarly'],
        ids['scheduledLate'],
      ]);
      expect(store.promoteDue(1000, 5)).toEqual([]);
      expect(store.nextDueAt()).toBe(undefined);
    });

    it('moves nothing before the first job is due', () => {
      const store = openStore();
      seed(store);
      expect(store.promoteDue(49, 10)).toEqual([]);
    });

    it('records a DUE row for each job it moves', () => {
      const store = openStore();
      const ids = seed(store);
      store.promoteDue(100, 10);
      expect(store.history(ids['scheduledEarly'] ?? '')).toEqual([
        { from: null, to: 'scheduled', event: 'ENQUEUE', at: 1000, attempt: 0, error: null },
        { from: 'scheduled', to: 'queued', event: 'DUE', at: 100, attempt: 0, error: null },
      ]);
      expect(store.history(ids['scheduledLate'] ?? '')).toHaveLength(1);
    });
  });

  describe('claim', () => {
    it('starts an attempt: running, attempt and version up by one', () => {
      const store = openStore();
      const { job } = store.insertJob(newJob({ maxAttempts: 4 }));
      expect(store.claim([job.id], 1100)).toEqual([
        {
          id: job.id,
          type: 'email',
          payloadJson: '{"to":"ada@example.com"}',
          attempt: 1,
          maxAttempts: 4,
          version: 1,
          checkpointJson: null,
        },
      ]);
      expect(store.getJob(job.id)).toMatchObject({
        status: 'running',
        attempt: 1,
        version: 1,
        startedAt: 1100,
        updatedAt: 1100,
      });
    });

    it('claims only queued jobs and skips ids that name no job', () => {
      const store = openStore();
      const running = runningJob(store);
      const scheduled = store.insertJob(newJob({ status: 'scheduled' })).job.id;
      const queued = store.insertJob(newJob()).job.id;
      const claimed = store.claim([running, scheduled, '0', 'abc', '999', queued], 1200);
      expect(claimed.map((job) => job.id)).toEqual([queued]);
      expect(store.getJob(running)?.version).toBe(1);
      expect(store.getJob(scheduled)?.status).toBe('scheduled');
    });

    it("keeps the caller's order", () => {
      const store = openStore();
      const ids = [1, 2, 3].map(() => store.insertJob(newJob()).job.id);
      const order = [ids[2] ?? '', ids[0] ?? '', ids[1] ?? ''];
      expect(store.claim(order, 1100).map((job) => job.id)).toEqual(order);
    });

    it('hands the saved checkpoint to the next attempt', () => {
      const store = openStore();
      const id = runningJob(store);
      expect(store.saveCheckpoint(id, 1, '{"page":7}', 1150)).toBe(true);
      store.changeStatus({
        id,
        from: 'running',
        to: 'retrying',
        event: 'FAIL',
        version: 1,
        at: 1200,
        runAt: 1300,
        attempt: 1,
        error: boom,
      });
      store.promoteDue(1300, 10);
      expect(store.claim([id], 1400)).toEqual([
        {
          id,
          type: 'email',
          payloadJson: '{"to":"ada@example.com"}',
          attempt: 2,
          maxAttempts: 3,
          version: 4,
          checkpointJson: '{"page":7}',
        },
      ]);
    });
  });

  describe('saveProgress and saveCheckpoint', () => {
    it('saves progress at the current version without bumping it', () => {
      const store = openStore();
      const id = runningJob(store);
      expect(store.saveProgress(id, 1, '{"done":1,"total":2}', 1150)).toBe(true);
      expect(store.getJob(id)).toMatchObject({
        progress: { done: 1, total: 2 },
        version: 1,
        updatedAt: 1150,
      });
      expect(store.history(id)).toHaveLength(2);
    });

    it('refuses progress from a writer at a stale version', () => {
      const store = openStore();
      const id = runningJob(store);
      const before = store.getJob(id);
      expect(store.saveProgress(id, 0, '{"done":1}', 1150)).toBe(false);
      expect(store.saveProgress(id, 2, '{"done":1}', 1150)).toBe(false);
      expect(store.getJob(id)).toEqual(before);
    });

    it('refuses a checkpoint from a writer at a stale version', () => {
      const store = openStore();
      const id = runningJob(store);
      const before = store.getJob(id);
      expect(store.saveCheckpoint(id, 0, '{"page":1}', 1150)).toBe(false);
      expect(store.getJob(id)).toEqual(before);
      expect(store.getJob(id)?.checkpoint).toBe(null);
    });

    it('refuses both for a job that is not running, even at its version', () => {
      const store = openStore();
      const { job } = store.insertJob(newJob());
      expect(store.saveProgress(job.id, 0, '{"done":1}', 1150)).toBe(false);
      expect(store.saveCheckpoint(job.id, 0, '{"page":1}', 1150)).toBe(false);
      expect(store.getJob(job.id)).toEqual(job);
    });

    it('refuses both for a malformed id', () => {
      const store = openStore();
      expect(store.saveProgress('x', 0, '{}', 1)).toBe(false);
      expect(store.saveCheckpoint('x', 0, '{}', 1)).toBe(false);
    });
  });

  describe('countJobs and listJobs', () => {
    function seed(store: SqliteStore): void {
      store.insertJob(newJob()); // 1 email queued
      store.insertJob(newJob({ type: 'sms', status: 'scheduled', runAt: 5000 })); // 2 sms scheduled
      runningJob(store, 1100, { type: 'sms' }); // 3 sms running
      const dead = runningJob(store, 1100); // 4 email dead
      store.changeStatus(
        change({ id: dead, to: 'dead', event: 'FAIL', attempt: 1, error: boom, at: 1200 }),
      );
      store.insertJob(newJob({ type: 'sms' })); // 5 sms queued
    }

    it('counts every status, zero included', () => {
      const store = openStore();
      seed(store);
      expect(store.countJobs()).toEqual<Record<JobStatus, number>>({
        scheduled: 1,
        queued: 2,
        running: 1,
        retrying: 0,
        succeeded: 0,
        cancelled: 0,
        dead: 1,
      });
    });

    it('counts one type', () => {
      const store = openStore();
      seed(store);
      expect(store.countJobs('sms')).toEqual({
        scheduled: 1,
        queued: 1,
        running: 1,
        retrying: 0,
        succeeded: 0,
        cancelled: 0,
        dead: 0,
      });
      expect(Object.values(store.countJobs('nothing'))).toEqual([0, 0, 0, 0, 0, 0, 0]);
    });

    it('lists by status, by several statuses, by type and by both, in id order', () => {
      const store = openStore();
      seed(store);
      const ids = (jobs: readonly { id: string }[]) => jobs.map((job) => job.id);
      expect(ids(store.listJobs({}))).toEqual(['1', '2', '3', '4', '5']);
      expect(ids(store.listJobs({ status: 'queued' }))).toEqual(['1', '5']);
      expect(ids(store.listJobs({ status: ['dead', 'scheduled'] }))).toEqual(['2', '4']);
      expect(ids(store.listJobs({ type: 'email' }))).toEqual(['1', '4']);
      expect(ids(store.listJobs({ type: 'sms', status: ['queued', 'running'] }))).toEqual([
        '3',
        '5',
      ]);
      expect(ids(store.listJobs({ status: 'retrying' }))).toEqual([]);
    });

    it('pages with limit and offset', () => {
      const store = openStore();
      seed(store);
      const ids = (jobs: readonly { id: string }[]) => jobs.map((job) => job.id);
      expect(ids(store.listJobs({ limit: 2 }))).toEqual(['1', '2']);
      expect(ids(store.listJobs({ limit: 2, offset: 2 }))).toEqual(['3', '4']);
      expect(ids(store.listJobs({ limit: 2, offset: 4 }))).toEqual(['5']);
      expect(ids(store.listJobs({ offset: 5 }))).toEqual([]);
    });

    it('lists the running jobs, oldest first', () => {
      const store = openStore();
      seed(store);
      runningJob(store, 1300);
      expect(store.runningJobs().map((job) => job.id)).toEqual(['3', '6']);
    });
  });

  describe('opening', () => {
    function expectUntouched(filename: string, digest: string): void {
      expect(sha256(filename)).toBe(digest);
      expect(existsSync(`${filename}-wal`)).toBe(false);
      expect(existsSync(`${filename}-shm`)).toBe(false);
    }

    function openError(filename: string): DatabaseError {
      const error = thrownBy(() => openStore(filename));
      expect(error).toBeInstanceOf(DatabaseError);
      expect(WardenError.is(error)).toBe(true);
      return error as DatabaseError;
    }

    it('works on :memory:', () => {
      const store = openStore(':memory:');
      store.insertJob(newJob());
      expect(store.countJobs().queued).toBe(1);
    });

    it('stamps a new file as a Warden database in WAL mode', () => {
      const filename = tempDatabase();
      openStore(filename).close();
      const db = new Database(filename, { readonly: true });
      try {
        expect(db.pragma('application_id', { simple: true })).toBe(WARDEN_APPLICATION_ID);
        expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        db.close();
      }
    });

    it('opens an empty file as a new database', () => {
      const filename = tempDatabase();
      writeFileSync(filename, '');
      const store = openStore(filename);
      expect(store.insertJob(newJob()).created).toBe(true);
    });

    it('keeps its jobs and history across close and reopen', () => {
      const filename = tempDatabase();
      const first = openStore(filename);
      const id = runningJob(first);
      first.changeStatus(change({ id, resultJson: '[1,2]', attempt: 1 }));
      first.insertJob(newJob({ status: 'scheduled', runAt: 9000, idempotencyKey: 'later' }));
      const jobs = first.listJobs({});
      const history = first.history(id);
      first.close();

      const second = openStore(filename);
      expect(second.listJobs({})).toEqual(jobs);
      expect(second.history(id)).toEqual(history);
      expect(second.nextDueAt()).toBe(9000);
      expect(
        second.insertJob(newJob({ idempotencyKey: 'later', status: 'scheduled' })).created,
      ).toBe(false);
      expect(second.insertJob(newJob()).job.id).toBe('3');
    });

    it('refuses to be used before it is opened or after it is closed', () => {
      const store = new SqliteStore({ filename: ':memory:', synchronous: 'normal' });
      const before = thrownBy(() => store.getJob('1'));
      expect(before).toBeInstanceOf(DatabaseError);
      expect((before as DatabaseError).code).toBe('DATABASE_UNAVAILABLE');
      store.open();
      store.close();
      expect((thrownBy(() => store.countJobs()) as DatabaseError).code).toBe(
        'DATABASE_UNAVAILABLE',
      );
    });

    it('refuses the SQLite database of another application and leaves it untouched', () => {
      const filename = tempDatabase();
      const foreign = new Database(filename);
      foreign.exec(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hi')",
      );
      foreign.close();
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
      const foreign = new Database(filename);
      foreign.pragma('application_id = 1234');
      foreign.close();
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

    it('refuses a Warden database from a newer schema and leaves it untouched', () => {
      const filename = tempDatabase();
      const warden = openStore(filename);
      warden.insertJob(newJob());
      warden.close();
      const bump = new Database(filename);
      bump.pragma(`user_version = ${migrations.length + 1}`);
      bump.close();
      const digest = sha256(filename);

      const error = openError(filename);
      expect(error.code).toBe('SCHEMA_TOO_NEW');
      expect(error.message).toBe(
        `\`${filename}\` has schema version ${migrations.length + 1}, newer than this Warden's ${migrations.length}; upgrade Warden to open it (the file was left untouched)`,
      );
      expectUntouched(filename, digest);
    });
  });

  describe('the retry guard', () => {
    it('refuses to move a job on its last attempt to retrying, and writes nothing', () => {
      const store = openStore();
      const id = runningJob(store, 1100, { maxAttempts: 1 });
      const before = store.history(id).length;
      const thrown = thrownBy(() =>
        store.changeStatus(change({ id, to: 'retrying', event: 'FAIL', runAt: 5000 })),
      );
      expect(thrown).toBeInstanceOf(InvalidTransitionError);
      expect((thrown as InvalidTransitionError).message).toBe(
        'job 1 is `running`: cannot FAIL to `retrying` (attempt 1 of 1 was the last)',
      );
      expect(store.getJob(id)?.status).toBe('running');
      expect(store.history(id)).toHaveLength(before);
    });

    it('lets the same failure end the job dead', () => {
      const store = openStore();
      const id = runningJob(store, 1100, { maxAttempts: 1 });
      expect(store.changeStatus(change({ id, to: 'dead', event: 'FAIL' }))).toBe(2);
      expect(store.getJob(id)?.status).toBe('dead');
    });
  });
});

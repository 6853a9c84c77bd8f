import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DatabaseError, type WardenEvent } from '../../src/index.js';
import { deferred, tempDatabase, testWarden } from '../helpers.js';

/**
 * Makes the real database refuse writes to `jobs`, as a full disk or an I/O error would: a
 * trigger added by a second connection aborts every insert and update with `disk on fire`.
 * The returned function takes it away again.
 */
function refuseWrites(filename: string): () => void {
  const run = (sql: string): void => {
    const db = new Database(filename);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  };
  run(`
    CREATE TRIGGER refuse_inserts BEFORE INSERT ON jobs BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;
    CREATE TRIGGER refuse_updates BEFORE UPDATE ON jobs BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;
  `);
  return () => {
    run('DROP TRIGGER refuse_inserts; DROP TRIGGER refuse_updates;');
  };
}

describe('when the database refuses writes', () => {
  it('rejects an enqueue with DATABASE_WRITE_FAILED and stores nothing', async () => {
    const filename = tempDatabase();
    const { warden } = testWarden({ database: filename });
    warden.defineJob('work', { run: () => 'ok' });
    await warden.start();
    const heal = refuseWrites(filename);

    const refused = await warden.enqueue('work', { n: 1 }).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(DatabaseError);
    expect((refused as DatabaseError).code).toBe('DATABASE_WRITE_FAILED');
    expect((refused as DatabaseError).message).toContain('disk on fire');
    expect((refused as DatabaseError).message).toContain('nothing in it was stored');
    expect(await warden.listJobs()).toEqual([]);
    // Nothing Warden owes is waiting: the caller has its error, and the runtime stays healthy.
    expect(warden.health().checks.store).toMatchObject({
      status: 'healthy',
      writable: true,
      failedCommits: 0,
    });

    heal();
    const job = await warden.enqueue('work', { n: 2 });
    expect((await warden.waitForJob(job.id)).status).toBe('succeeded');
  });

  it('fails only the write the database refused, not the others of its group commit', async () => {
    const filename = tempDatabase();
    const { warden } = testWarden({ database: filename });
    warden.defineJob('work', { run: () => 'ok' });
    await warden.start();
    const db = new Database(filename);
    db.exec(`CREATE TRIGGER refuse_poison BEFORE INSERT ON jobs WHEN NEW.payload LIKE '%poison%'
      BEGIN SELECT RAISE(ABORT, 'poisoned payload'); END;`);
    db.close();

    // Same tick, same group commit.
    const [fine, poisoned, alsoFine] = await Promise.allSettled([
      warden.enqueue('work', 'fine'),
      warden.enqueue('work', 'poison'),
      warden.enqueueMany([{ type: 'work', payload: 'also fine' }]),
    ]);

    expect(fine.status).toBe('fulfilled');
    expect(alsoFine.status).toBe('fulfilled');
    expect(poisoned).toMatchObject({
      status: 'rejected',
      reason: { name: 'DatabaseWriteFailedError', code: 'DATABASE_WRITE_FAILED' },
    });
    expect((poisoned as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseError);
    expect((poisoned as PromiseRejectedResult).reason).toHaveProperty(
      'message',
      expect.stringContaining('poisoned payload') as unknown,
    );
    const payloads = (await warden.listJobs()).map((job) => job.payload);
    expect(payloads).toEqual(['fine', 'also fine']);
    expect(warden.health().checks.store).toMatchObject({ status: 'healthy', writable: true });
  });

  it('retries a job outcome with backoff, unhealthy meanwhile, and records it once', async () => {
    const filename = tempDatabase();
    const { warden, clock } = testWarden({ database: filename });
    const gate = deferred<string>();
    warden.defineJob('work', { run: () => gate.promise });
    await warden.start();
    const events: WardenEvent[] = [];
    warden.events$.subscribe((event) => events.push(event));
    const job = await warden.enqueue('work', {});
    await clock.settle();
    expect((await warden.getJob(job.id))?.status).toBe('running');

    const heal = refuseWrites(filename);
    gate.resolve('done');
    await clock.settle();

    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      checks: { store: { status: 'unhealthy', writable: false, failedCommits: 1 } },
      error: { name: 'DatabaseWriteFailedError', code: 'DATABASE_WRITE_FAILED' },
    });
    expect((await warden.getJob(job.id))?.status).toBe('running');
    // Retries back off: 100 ms, then 200 ms; each fails while the fault lasts.
    await clock.advance(100);
    await clock.advance(200);
    expect(warden.health().checks.store).toMatchObject({ writable: false, failedCommits: 3 });
    expect(events.filter((event) => event.type === 'job.succeeded')).toEqual([]);

    heal();
    await clock.advance(400);

    expect(warden.health().checks.store).toMatchObject({
      status: 'healthy',
      writable: true,
      failedCommits: 0,
    });
    expect(warden.health().error).toBeUndefined();
    expect(await warden.getJob(job.id)).toMatchObject({ status: 'succeeded', result: 'done' });
    expect((await warden.getJobHistory(job.id)).map((entry) => entry.event)).toEqual([
      'ENQUEUE',
      'CLAIM',
      'START',
      'SUCCEED',
    ]);
    expect(events.filter((event) => event.type === 'job.succeeded')).toHaveLength(1);
  });

  it('fails the whole group commit when the database abandons the transaction itself', async () => {
    const filename = tempDatabase();
    const { warden } = testWarden({ database: filename });
    warden.defineJob('work', { run: () => 'ok' });
    await warden.start();
    const db = new Database(filename);
    // RAISE(ROLLBACK) undoes the whole transaction, as an I/O error does, not just the statement.
    db.exec(`CREATE TRIGGER abandon BEFORE INSERT ON jobs WHEN NEW.payload LIKE '%b%'
      BEGIN SELECT RAISE(ROLLBACK, 'disk gone'); END;`);

    const results = await Promise.allSettled([
      warden.enqueue('work', 'a'),
      warden.enqueue('work', 'b'),
      warden.enqueue('work', 'c'),
    ]);

    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await warden.listJobs()).toEqual([]);
    db.exec('DROP TRIGGER abandon');
    db.close();
    const job = await warden.enqueue('work', 'd');
    expect((await warden.waitForJob(job.id)).status).toBe('succeeded');
  });

  describe('when the refusals go on', () => {
    /** A Warden on a file with one job running, whose outcome the database will refuse. */
    async function runningJob(attempts: number) {
      const filename = tempDatabase();
      const fatal: Error[] = [];
      const { warden, clock } = testWarden({
        database: filename,
        onFatal: (error) => fatal.push(error),
      });
      const gate = deferred<string>();
      let runs = 0;
      warden.defineJob('work', {
        retry: { attempts, backoff: { type: 'fixed', delayMs: 10 } },
        run: () => (++runs === 1 ? gate.promise : 'second run'),
      });
      await warden.start();
      const trace: string[] = [];
      warden.events$.subscribe((event) => {
        if (event.type === 'actor.exited' || event.type === 'actor.restarting') {
          trace.push(`${event.type} ${event.actorId}`);
        }
      });
      const job = await warden.enqueue('work', {});
      await clock.settle();
      return { filename, fatal, warden, clock, gate, job, trace };
    }

    it('exits the job runner abnormally after 5 failed commits; its supervisor restarts it, then gives up', async () => {
      const { filename, fatal, warden, clock, gate, trace } = await runningJob(1);
      refuseWrites(filename);
      gate.resolve('done');
      // The outcome's commit fails at 0, 100, 300, 700 and 1500 ms: the fifth failure is final.
      await clock.advance(1500);
      expect(trace.slice(0, 2)).toEqual(['actor.exited jobs', 'actor.restarting jobs']);
      expect(warden.health().running).toBe(0);
      expect(warden.tree().children?.[0]).toMatchObject({
        id: 'jobs',
        lastError: { code: 'DATABASE_WRITE_FAILED' },
      });

      // Each restart recovers stalled jobs first, which the database refuses too, until the
      // root's restart budget is spent.
      await clock.advance(5000);
      expect(fatal).toHaveLength(1);
      expect(warden.health()).toMatchObject({
        status: 'unhealthy',
        checks: { supervision: { status: 'unhealthy', root: 'failed' } },
      });
      await expect(warden.enqueue('work', {})).rejects.toMatchObject({ code: 'NOT_RUNNING' });
      await warden.stop();
      expect(clock.pending()).toBe(0);
    });

    it('rejects a cancel waiting on a refused commit once the job runner gives up', async () => {
      const { filename, warden, clock, job } = await runningJob(1);
      refuseWrites(filename);
      const cancelling = warden.cancelJob(job.id);
      cancelling.catch(() => undefined);
      await clock.advance(1500);
      await expect(cancelling).rejects.toMatchObject({ code: 'DATABASE_WRITE_FAILED' });
      await warden.stop();
      expect(clock.pending()).toBe(0);
    });

    it('runs no adopted fallback while the database refuses writes, then runs it once', async () => {
      const filename = tempDatabase();
      const { warden, clock } = testWarden({ database: filename });
      const gate = deferred<string>();
      const fallbacks: number[] = [];
      warden.defineJob('work', {
        retry: { attempts: 1 },
        run: () => gate.promise,
        fallback: () => {
          fallbacks.push(clock.now());
          return 'from the fallback';
        },
      });
      await warden.start();
      const job = await warden.enqueue('work', {});
      await clock.settle();
      const heal = refuseWrites(filename);
      gate.resolve('done');
      // Outcome refused 5 times: the runner exits, and each restart finds the job stalled on its
      // last attempt, whose adoption for the fallback the database refuses too.
      await clock.advance(1500);
      await clock.advance(300);
      expect(fallbacks).toEqual([]);
      heal();
      await clock.advance(2000);
      const settled = await warden.waitForJob(job.id);
      expect(fallbacks).toHaveLength(1);
      expect(settled).toMatchObject({ status: 'succeeded', viaFallback: true });
    });

    it('runs an adopted fallback again when the job runner restarts in the same process', async () => {
      const filename = tempDatabase();
      const first = testWarden({ database: filename });
      first.warden.defineJob('work', {
        retry: { attempts: 1 },
        run: () => new Promise<string>(() => undefined),
      });
      await first.warden.start();
      const job = await first.warden.enqueue('work', {});
      await first.clock.settle();
      await first.warden.stop({ graceMs: 0 });

      const { warden, clock } = testWarden({ database: filename, clock: first.clock });
      const gate = deferred<string>();
      const calls: string[] = [];
      warden.defineJob('work', {
        retry: { attempts: 1 },
        run: () => 'never again',
        fallback: () => {
          calls.push('fallback');
          return calls.length === 1 ? gate.promise : 'second go';
        },
      });
      await warden.start();
      await clock.settle();
      expect(calls).toEqual(['fallback']);
      const heal = refuseWrites(filename);
      gate.resolve('first go');
      await clock.advance(1500); // its outcome refused 5 times: the runner exits
      heal();
      await clock.advance(1000);

      expect(await warden.waitForJob(job.id)).toMatchObject({
        status: 'succeeded',
        result: 'second go',
      });
      expect(calls).toEqual(['fallback', 'fallback']);
    });

    it('comes back once the database does: the lost outcome is recovered as a stalled attempt', async () => {
      const { filename, fatal, warden, clock, gate, job, trace } = await runningJob(2);
      const heal = refuseWrites(filename);
      gate.resolve('done');
      await clock.advance(1500);
      expect(trace).toContain('actor.exited jobs');
      heal();

      await clock.advance(1000);
      const settled = await warden.waitForJob(job.id);

      expect(fatal).toEqual([]);
      expect(settled).toMatchObject({ status: 'succeeded', result: 'second run', attempt: 2 });
      expect((await warden.getJobHistory(job.id)).map((entry) => entry.event)).toEqual([
        'ENQUEUE',
        'CLAIM',
        'START',
        'STALL',
        'DUE',
        'CLAIM',
        'START',
        'SUCCEED',
      ]);
      expect(warden.health().checks.store).toMatchObject({ status: 'healthy', writable: true });
    });
  });
});

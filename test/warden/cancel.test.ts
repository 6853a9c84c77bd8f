import { describe, expect, it } from 'vitest';
import {
  InvalidTransitionError,
  JobCancelledError,
  JobNotFoundError,
  type Warden,
} from '../../src/index.js';
import { deferred, t0, testWarden, traceJobs } from '../helpers.js';

/** Every job event the warden emits, as `type id attempt`. */
const eventLog = (warden: Warden): string[] =>
  traceJobs(warden, (event) => `${event.type} ${event.jobId} ${event.attempt}`);

/** A started warden with one job type, `task`, whose handler records each start. */
async function taskWarden(
  options: { concurrency?: number; claimDepth?: number; fail?: boolean } = {},
) {
  const { warden, clock } = testWarden({
    concurrency: options.concurrency ?? 8,
    ...(options.claimDepth === undefined ? {} : { claimDepth: options.claimDepth }),
  });
  const started: string[] = [];
  const blocker = deferred();
  warden.defineJob<{ name: string }>('task', {
    retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 1000 } },
    run: async ({ name }, ctx) => {
      started.push(`${name} ${ctx.attempt}`);
      if (name === 'blocker') await blocker.promise;
      if (options.fail === true) throw new Error('fails');
    },
  });
  await warden.start();
  return { warden, clock, started, blocker };
}

describe('cancelJob', () => {
  describe('cancels a job that is not running at once', () => {
    it('when it is scheduled', async () => {
      const { warden, clock, started } = await taskWarden();
      const job = await warden.enqueue('task', { name: 'later' }, { delayMs: 5000 });
      const events = eventLog(warden);

      const cancelled = await warden.cancelJob(job.id);

      expect(cancelled).toMatchObject({ status: 'cancelled', attempt: 0, finishedAt: t0 });
      expect(events).toEqual([`job.cancelled ${job.id} 0`]);
      expect(clock.pending()).toBe(0);
      await clock.advance(10_000);
      expect(started).toEqual([]);
      expect((await warden.getJob(job.id))?.status).toBe('cancelled');
    });

    it('when it is queued', async () => {
      // A claim depth of one slot claims nothing ahead: the waiting job stays queued.
      const { warden, clock, started, blocker } = await taskWarden({
        concurrency: 1,
        claimDepth: 1,
      });
      const running = await warden.enqueue('task', { name: 'blocker' });
      const job = await warden.enqueue('task', { name: 'waiting' });
      await clock.settle();
      expect((await warden.getJob(job.id))?.status).toBe('queued');

      const cancelled = await warden.cancelJob(job.id);
      blocker.resolve();
      await warden.waitForJob(running.id);

      expect(cancelled).toMatchObject({ status: 'cancelled', attempt: 0 });
      expect(started).toEqual(['blocker 1']);
      expect((await warden.getJobHistory(job.id)).map((entry) => entry.event)).toEqual([
        'ENQUEUE',
        'CANCEL',
      ]);
    });

    it('when it is claimed ahead of a free slot', async () => {
      const { warden, clock, started, blocker } = await taskWarden({ concurrency: 1 });
      const running = await warden.enqueue('task', { name: 'blocker' });
      const job = await warden.enqueue('task', { name: 'waiting' });
      await clock.settle();
      expect((await warden.getJob(job.id))?.status).toBe('claimed');

      const cancelled = await warden.cancelJob(job.id);
      blocker.resolve();
      await warden.waitForJob(running.id);
      await clock.settle();

      expect(cancelled).toMatchObject({ status: 'cancelled', attempt: 0, stalls: 0 });
      expect(started).toEqual(['blocker 1']);
      expect(
        (await warden.getJobHistory(job.id)).map(
          (entry) => `${entry.event} ${entry.from} → ${entry.to}`,
        ),
      ).toEqual(['ENQUEUE null → queued', 'CLAIM queued → claimed', 'CANCEL claimed → cancelled']);
      expect(await warden.countJobs()).toMatchObject({ claimed: 0, cancelled: 1, succeeded: 1 });
    });

    it('when it is retrying', async () => {
      const { warden, clock, started } = await taskWarden({ fail: true });
      const job = await warden.enqueue('task', { name: 'flaky' });
      await clock.settle();
      expect((await warden.getJob(job.id))?.status).toBe('retrying');

      const cancelled = await warden.cancelJob(job.id);
      await clock.advance(10_000);

      expect(cancelled).toMatchObject({ status: 'cancelled', attempt: 1 });
      expect(started).toEqual(['flaky 1']);
      expect(
        (await warden.getJobHistory(job.id)).map((entry) => `${entry.from} → ${entry.to}`),
      ).toEqual([
        'null → queued',
        'queued → claimed',
        'claimed → running',
        'running → retrying',
        'retrying → cancelled',
      ]);
      expect(clock.pending()).toBe(0);
    });
  });

  describe('a running job', () => {
    it('aborts its signal with JobCancelledError and ends it cancelled', async () => {
      const { warden, clock } = testWarden();
      const reasons: unknown[] = [];
      warden.defineJob('long', {
        run: (_payload, ctx) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => {
              reasons.push(ctx.signal.reason);
              reject(ctx.signal.reason as Error);
            });
          }),
      });
      await warden.start();
      const job = await warden.enqueue('long', {});
      const events = eventLog(warden);
      await clock.advance(250);

      const cancelled = await warden.cancelJob(job.id);

      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toBeInstanceOf(JobCancelledError);
      expect(reasons[0]).toMatchObject({ code: 'JOB_CANCELLED', jobId: job.id });
      expect(cancelled).toMatchObject({
        status: 'cancelled',
        attempt: 1,
        error: null,
        finishedAt: t0 + 250,
      });
      // job.started is published once the start's write commits, after enqueue() resolved.
      expect(events).toEqual([`job.started ${job.id} 1`, `job.cancelled ${job.id} 1`]);
      expect(warden.health().running).toBe(0);
    });

    it('discards a result the handler returns after the cancel', async () => {
      const { warden, clock } = testWarden();
      const gate = deferred<string>();
      warden.defineJob('stubborn', { run: () => gate.promise });
      await warden.start();
      const job = await warden.enqueue('stubborn', {});
      const events = eventLog(warden);

      const cancelled = await warden.cancelJob(job.id);
      gate.resolve('finished anyway');
      await clock.settle();

      expect(await warden.getJob(job.id)).toEqual(cancelled);
      expect(cancelled).toMatchObject({ status: 'cancelled', result: null });
      expect((await warden.getJobHistory(job.id)).map((entry) => entry.event)).toEqual([
        'ENQUEUE',
        'CLAIM',
        'START',
        'CANCEL',
      ]);
      // The start's write rode on the commit that also stored the cancel.
      expect(events).toEqual([`job.started ${job.id} 1`, `job.cancelled ${job.id} 1`]);
    });

    it('does not retry it, even with attempts left', async () => {
      const { warden, clock } = testWarden();
      let runs = 0;
      warden.defineJob('long', {
        retry: { attempts: 5, backoff: { type: 'fixed', delayMs: 10 } },
        run: (_payload, ctx) => {
          runs++;
          return new Promise((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
          });
        },
      });
      await warden.start();
      const job = await warden.enqueue('long', {});

      await warden.cancelJob(job.id);
      await clock.advance(1000);

      expect(runs).toBe(1);
      expect((await warden.getJob(job.id))?.status).toBe('cancelled');
    });
  });

  describe('refuses a finished job with InvalidTransitionError naming the job, its status and the change', () => {
    it('when it succeeded', async () => {
      const { warden } = await taskWarden();
      const job = await warden.enqueue('task', { name: 'done' });
      await warden.waitForJob(job.id);

      const cancelling = warden.cancelJob(job.id);

      await expect(cancelling).rejects.toBeInstanceOf(InvalidTransitionError);
      await expect(cancelling).rejects.toMatchObject({
        code: 'INVALID_TRANSITION',
        subject: `job ${job.id}`,
        from: 'succeeded',
        attempted: 'cancel it',
        message: `job ${job.id} is \`succeeded\`: cannot cancel it`,
      });
      expect((await warden.getJob(job.id))?.status).toBe('succeeded');
    });

    it('when it is dead', async () => {
      const { warden } = testWarden();
      warden.defineJob('doomed', {
        retry: { attempts: 1 },
        run: () => {
          throw new Error('no');
        },
      });
      await warden.start();
      const job = await warden.enqueue('doomed', {});
      await warden.waitForJob(job.id);

      await expect(warden.cancelJob(job.id)).rejects.toMatchObject({
        code: 'INVALID_TRANSITION',
        from: 'dead',
        message: `job ${job.id} is \`dead\`: cannot cancel it`,
      });
      expect((await warden.getJob(job.id))?.status).toBe('dead');
    });

    it('when it is already cancelled', async () => {
      const { warden } = await taskWarden();
      const job = await warden.enqueue('task', { name: 'later' }, { delayMs: 5000 });
      await warden.cancelJob(job.id);

      await expect(warden.cancelJob(job.id)).rejects.toMatchObject({
        code: 'INVALID_TRANSITION',
        message: `job ${job.id} is \`cancelled\`: cannot cancel it`,
      });
      expect(await warden.getJobHistory(job.id)).toHaveLength(2);
    });
  });

  it('rejects an unknown id with JobNotFoundError', async () => {
    const { warden } = await taskWarden();

    const cancelling = warden.cancelJob('999');

    await expect(cancelling).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(cancelling).rejects.toMatchObject({
      code: 'JOB_NOT_FOUND',
      jobId: '999',
      message: 'no job has id `999`',
    });
    await expect(warden.cancelJob('not-an-id')).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it('lets retryJob replay a cancelled job', async () => {
    const { warden, started } = await taskWarden();
    const job = await warden.enqueue('task', { name: 'later' }, { delayMs: 5000 });
    await warden.cancelJob(job.id);

    await warden.retryJob(job.id);
    const done = await warden.waitForJob(job.id);

    expect(done).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(started).toEqual(['later 1']);
  });
});

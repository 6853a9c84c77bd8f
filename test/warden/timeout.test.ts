import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/index.js';
import { deferred, t0, testWarden, traceJobs } from '../helpers.js';

describe('timeoutMs', () => {
  it('aborts the handler’s signal with TimeoutError at the deadline and fails the attempt', async () => {
    const { warden, clock } = testWarden();
    const aborts: { at: number; reason: unknown }[] = [];
    warden.defineJob('slow', {
      timeoutMs: 1000,
      retry: { attempts: 1 },
      run: (_payload, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborts.push({ at: clock.now(), reason: ctx.signal.reason });
            reject(ctx.signal.reason as Error);
          });
        }),
    });
    await warden.start();

    const job = await warden.enqueue('slow', {});
    await clock.advance(999);
    expect(aborts).toEqual([]);
    expect((await warden.getJob(job.id))?.status).toBe('running');

    await clock.advance(1);

    expect(aborts).toHaveLength(1);
    expect(aborts[0]?.at).toBe(t0 + 1000);
    expect(aborts[0]?.reason).toBeInstanceOf(TimeoutError);
    expect(await warden.getJob(job.id)).toMatchObject({
      status: 'dead',
      finishedAt: t0 + 1000,
      error: {
        name: 'TimeoutError',
        code: 'JOB_TIMEOUT',
        message: 'the attempt did not finish within 1000 ms',
      },
    });
  });

  it('retries a timed-out attempt like any other failure', async () => {
    const { warden, clock } = testWarden();
    warden.defineJob('slow', {
      timeoutMs: 1000,
      retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 500 } },
      run: (_payload, ctx) =>
        ctx.attempt === 1 ? new Promise(() => undefined) : Promise.resolve('fast enough'),
    });
    await warden.start();
    const events = traceJobs(warden);

    const job = await warden.enqueue('slow', {});
    await clock.advance(1500);

    expect(events).toEqual([
      'job.queued 0',
      'job.started 1',
      'job.retrying 1',
      'job.queued 1',
      'job.started 2',
      'job.succeeded 2',
    ]);
    expect(await warden.getJob(job.id)).toMatchObject({
      status: 'succeeded',
      result: 'fast enough',
      error: { code: 'JOB_TIMEOUT' },
      finishedAt: t0 + 1500,
    });
  });

  describe('when the handler ignores its signal', () => {
    it('still fails the attempt at the deadline and discards the late result', async () => {
      const { warden, clock } = testWarden();
      const late = deferred<string>();
      warden.defineJob('stubborn', {
        timeoutMs: 1000,
        retry: { attempts: 1 },
        run: () => late.promise,
      });
      await warden.start();
      const events = traceJobs(warden);

      const job = await warden.enqueue('stubborn', {});
      await clock.advance(1000);
      const timedOut = await warden.getJob(job.id);
      expect(timedOut).toMatchObject({
        status: 'dead',
        result: null,
        error: { code: 'JOB_TIMEOUT' },
      });

      late.resolve('too late');
      await clock.advance(1000);

      expect(await warden.getJob(job.id)).toEqual(timedOut);
      expect((await warden.getJobHistory(job.id)).map((entry) => entry.event)).toEqual([
        'ENQUEUE',
        'CLAIM',
        'START',
        'FAIL',
      ]);
      expect(events).toEqual(['job.queued 0', 'job.started 1', 'job.dead 1']);
    });

    it('discards a late result that arrives while the job waits to retry, and one that arrives during the next attempt', async () => {
      const { warden, clock } = testWarden();
      const firstAttempt = deferred<string>();
      const secondAttempt = deferred<string>();
      warden.defineJob('stubborn', {
        timeoutMs: 1000,
        retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 5000 } },
        run: (_payload, ctx) => (ctx.attempt === 1 ? firstAttempt.promise : secondAttempt.promise),
      });
      await warden.start();
      const events = traceJobs(warden);

      const job = await warden.enqueue('stubborn', {});
      await clock.advance(2000);
      firstAttempt.resolve('late from attempt 1');
      await clock.settle();
      expect(await warden.getJob(job.id)).toMatchObject({ status: 'retrying', result: null });

      await clock.advance(4000);
      expect(await warden.getJob(job.id)).toMatchObject({ status: 'running', attempt: 2 });
      secondAttempt.resolve('on time from attempt 2');
      await clock.settle();

      expect(await warden.getJob(job.id)).toMatchObject({
        status: 'succeeded',
        attempt: 2,
        result: 'on time from attempt 2',
      });
      expect(
        (await warden.getJobHistory(job.id)).map((entry) => `${entry.event} ${entry.attempt}`),
      ).toEqual([
        'ENQUEUE 0',
        'CLAIM 0',
        'START 1',
        'FAIL 1',
        'DUE 1',
        'CLAIM 1',
        'START 2',
        'SUCCEED 2',
      ]);
      expect(events.filter((line) => line.startsWith('job.succeeded'))).toEqual([
        'job.succeeded 2',
      ]);
    });

    it('discards a late error too, keeping the TimeoutError', async () => {
      const { warden, clock } = testWarden();
      const late = deferred<string>();
      warden.defineJob('stubborn', {
        timeoutMs: 1000,
        retry: { attempts: 1 },
        run: () => late.promise,
      });
      await warden.start();

      const job = await warden.enqueue('stubborn', {});
      await clock.advance(1000);
      late.reject(new Error('crashed later'));
      await clock.settle();

      expect(await warden.getJob(job.id)).toMatchObject({
        status: 'dead',
        error: { code: 'JOB_TIMEOUT' },
      });
      expect((await warden.getJobHistory(job.id)).map((entry) => entry.event)).toEqual([
        'ENQUEUE',
        'CLAIM',
        'START',
        'FAIL',
      ]);
    });

    it('frees the attempt’s slot at the deadline, even though the handler never returns', async () => {
      const { warden, clock } = testWarden({ concurrency: 1 });
      const starts: { name: string; at: number }[] = [];
      warden.defineJob<{ name: string }>('stubborn', {
        timeoutMs: 1000,
        retry: { attempts: 1 },
        run: ({ name }) => {
          starts.push({ name, at: clock.now() });
          return name === 'hang' ? new Promise(() => undefined) : 'ok';
        },
      });
      await warden.start();

      await warden.enqueue('stubborn', { name: 'hang' });
      const next = await warden.enqueue('stubborn', { name: 'next' });
      await clock.advance(1000);

      expect(starts).toEqual([
        { name: 'hang', at: t0 },
        { name: 'next', at: t0 + 1000 },
      ]);
      expect((await warden.getJob(next.id))?.status).toBe('succeeded');
      expect(warden.health().running).toBe(0);
    });

    it('refuses progress and checkpoints that the late handler reports', async () => {
      const { warden, clock } = testWarden();
      const resume = deferred();
      const checkpointed: Promise<unknown>[] = [];
      warden.defineJob('stubborn', {
        timeoutMs: 1000,
        retry: { attempts: 1 },
        run: async (_payload, ctx) => {
          await resume.promise;
          ctx.progress(5, 10);
          checkpointed.push(
            ctx.checkpoint({ page: 5 }).then(
              () => 'saved',
              (error: unknown) => error,
            ),
          );
        },
      });
      await warden.start();
      const events = traceJobs(warden);

      const job = await warden.enqueue('stubborn', {});
      await clock.advance(1000);
      resume.resolve();
      await clock.settle();

      expect(await checkpointed[0]).toMatchObject({
        code: 'INVALID_TRANSITION',
        message: `job ${job.id} is \`dead\`: cannot save a checkpoint`,
      });
      expect(await warden.getJob(job.id)).toMatchObject({
        status: 'dead',
        progress: null,
        checkpoint: null,
      });
      expect(events).toEqual(['job.queued 0', 'job.started 1', 'job.dead 1']);
    });
  });

  it('clears the timer when the attempt finishes in time', async () => {
    const { warden, clock } = testWarden();
    warden.defineJob('quick', { timeoutMs: 60_000, run: () => 'done' });
    await warden.start();

    const job = await warden.enqueue('quick', {});
    await warden.waitForJob(job.id);

    expect(clock.pending()).toBe(0);
  });
});

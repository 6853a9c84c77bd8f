import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createManualClock, type JobContext, type WardenEvent } from '../../src/index.js';
import { deferred, t0, tempDatabase, testWarden, traceJobs } from '../helpers.js';

describe('the handler context', () => {
  it('carries the job id, type, attempt and attempts allowed', async () => {
    const { warden } = testWarden();
    const seen: Pick<JobContext, 'jobId' | 'type' | 'attempt' | 'maxAttempts'>[] = [];
    warden.defineJob('mail', {
      retry: { attempts: 4 },
      run: (_payload, ctx) => {
        seen.push({
          jobId: ctx.jobId,
          type: ctx.type,
          attempt: ctx.attempt,
          maxAttempts: ctx.maxAttempts,
        });
      },
    });
    await warden.start();

    const job = await warden.enqueue('mail', {});
    await warden.waitForJob(job.id);

    expect(seen).toEqual([{ jobId: job.id, type: 'mail', attempt: 1, maxAttempts: 4 }]);
  });

  describe('progress(done, total)', () => {
    it('is persisted on the job and emitted as job.progress', async () => {
      const { warden, clock } = testWarden();
      const halfway = deferred();
      const finish = deferred();
      warden.defineJob('import', {
        run: async (_payload, ctx) => {
          ctx.progress(3, 10);
          await halfway.promise;
          ctx.progress(7);
          await finish.promise;
        },
      });
      await warden.start();
      const progress: WardenEvent[] = [];
      warden.on('job.progress', (event) => progress.push(event));

      const job = await warden.enqueue('import', {});
      await clock.settle();
      expect((await warden.getJob(job.id))?.progress).toEqual({ done: 3, total: 10 });

      await clock.advance(500);
      halfway.resolve();
      await clock.settle();
      expect((await warden.getJob(job.id))?.progress).toEqual({ done: 7 });
      finish.resolve();
      await warden.waitForJob(job.id);

      expect(progress).toEqual([
        {
          type: 'job.progress',
          jobId: job.id,
          jobType: 'import',
          at: t0,
          attempt: 1,
          progress: { done: 3, total: 10 },
        },
        {
          type: 'job.progress',
          jobId: job.id,
          jobType: 'import',
          at: t0 + 500,
          attempt: 1,
          progress: { done: 7 },
        },
      ]);
    });

    it('writes only the latest of several reports made within one commit window', async () => {
      const { warden, clock } = testWarden();
      const gate = deferred();
      warden.defineJob('import', {
        run: async (_payload, ctx) => {
          ctx.progress(1, 3);
          ctx.progress(2, 3);
          ctx.progress(3, 3);
          await gate.promise;
        },
      });
      await warden.start();
      const progress: unknown[] = [];
      warden.on('job.progress', (event) => progress.push(event.progress));

      const job = await warden.enqueue('import', {});
      await clock.settle();

      expect(progress).toEqual([{ done: 3, total: 3 }]);
      expect((await warden.getJob(job.id))?.progress).toEqual({ done: 3, total: 3 });
      gate.resolve();
    });
  });

  describe('checkpoint(data)', () => {
    it('resolves only once the checkpoint is committed', async () => {
      const { warden } = testWarden();
      const stored: unknown[] = [];
      warden.defineJob('import', {
        run: async (_payload, ctx) => {
          const saving = ctx.checkpoint({ page: 2 });
          stored.push((await warden.getJob(ctx.jobId))?.checkpoint);
          await saving;
          stored.push((await warden.getJob(ctx.jobId))?.checkpoint);
        },
      });
      await warden.start();

      const job = await warden.enqueue('import', {});
      await warden.waitForJob(job.id);

      expect(stored).toEqual([null, { page: 2 }]);
    });

    it('is handed to the next attempt as lastCheckpoint', async () => {
      const { warden, clock } = testWarden();
      const seen: unknown[] = [];
      warden.defineJob<unknown, string, { page: number }>('import', {
        retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 100 } },
        run: async (_payload, ctx) => {
          seen.push(ctx.lastCheckpoint);
          const page = (ctx.lastCheckpoint?.page ?? 0) + 1;
          await ctx.checkpoint({ page });
          if (ctx.attempt < 3) throw new Error(`failed after page ${page}`);
          return `finished at page ${page}`;
        },
      });
      await warden.start();

      const job = await warden.enqueue('import', {});
      await clock.advance(200);

      expect(seen).toEqual([undefined, { page: 1 }, { page: 2 }]);
      expect(await warden.getJob(job.id)).toMatchObject({
        status: 'succeeded',
        checkpoint: { page: 3 },
        result: 'finished at page 3',
      });
    });

    it('is handed to the fallback as the last attempt saved it', async () => {
      const { warden, clock } = testWarden();
      const seen: unknown[] = [];
      warden.defineJob<unknown, unknown, { at: number }>('import', {
        retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 100 } },
        run: async (_payload, ctx) => {
          await ctx.checkpoint({ at: ctx.attempt });
          throw new Error(`attempt ${ctx.attempt} failed`);
        },
        fallback: (_payload, ctx) => {
          seen.push(ctx.lastCheckpoint);
          return 'fell back';
        },
      });
      await warden.start();
      const job = await warden.enqueue('import', {});
      await clock.advance(200);

      expect(seen).toEqual([{ at: 2 }]);
      expect(await warden.getJob(job.id)).toMatchObject({ status: 'succeeded', viaFallback: true });
    });

    it('rejects data that is not JSON, failing nothing else', async () => {
      const { warden } = testWarden();
      const outcome: unknown[] = [];
      warden.defineJob('import', {
        run: async (_payload, ctx) => {
          outcome.push(await ctx.checkpoint({ cursor: 5n }).catch((error: unknown) => error));
          return 'ok';
        },
      });
      await warden.start();

      const job = await warden.enqueue('import', {});
      await warden.waitForJob(job.id);

      expect(outcome).toEqual([
        expect.objectContaining({
          code: 'INVALID_PAYLOAD',
          message: 'the checkpoint.cursor is a BigInt (5n), which JSON cannot hold',
        }),
      ]);
      expect(await warden.getJob(job.id)).toMatchObject({ status: 'succeeded', checkpoint: null });
    });

    it('survives a restart: the stalled job is recovered and its next attempt sees the checkpoint', async () => {
      const database = tempDatabase();
      const clock = createManualClock(t0);
      const first = testWarden({ database, clock }).warden;
      const seen: { attempt: number; lastCheckpoint: unknown; at: number }[] = [];
      const checkpointed = deferred();
      const importJob = {
        retry: { attempts: 3, backoff: { type: 'fixed' as const, delayMs: 2000 } },
        run: async (_payload: unknown, ctx: JobContext) => {
          seen.push({ attempt: ctx.attempt, lastCheckpoint: ctx.lastCheckpoint, at: clock.now() });
          if (ctx.lastCheckpoint !== undefined) return 'resumed';
          await ctx.checkpoint({ page: 40 });
          checkpointed.resolve();
          return new Promise<never>(() => undefined);
        },
      };
      first.defineJob('import', importJob);
      await first.start();
      const job = await first.enqueue('import', { pages: 100 });
      await checkpointed.promise;
      await first.stop({ graceMs: 0 });

      await clock.advance(60_000);
      const second = testWarden({ database, clock }).warden;
      second.defineJob('import', importJob);
      const events = traceJobs(
        second,
        (event) => `${event.type} ${event.attempt} @${event.at - t0}`,
      );
      await second.start();
      await clock.advance(2000);
      const done = await second.waitForJob(job.id);

      expect(seen).toEqual([
        { attempt: 1, lastCheckpoint: undefined, at: t0 },
        { attempt: 2, lastCheckpoint: { page: 40 }, at: t0 + 62_000 },
      ]);
      expect(events).toEqual([
        'job.stalled 1 @60000',
        'job.retrying 1 @60000',
        'job.queued 1 @62000',
        'job.started 2 @62000',
        'job.succeeded 2 @62000',
      ]);
      expect(done).toMatchObject({
        status: 'succeeded',
        attempt: 2,
        result: 'resumed',
        checkpoint: { page: 40 },
        error: { code: 'JOB_STALLED', message: `job ${job.id} was running when its process died` },
      });
      expect(
        (await second.getJobHistory(job.id)).map(
          (entry) => `${entry.event} ${entry.from} → ${entry.to} ${entry.error?.code ?? ''}`,
        ),
      ).toEqual([
        'ENQUEUE null → queued ',
        'CLAIM queued → claimed ',
        'START claimed → running ',
        'STALL running → retrying JOB_STALLED',
        'DUE retrying → queued ',
        'CLAIM queued → claimed ',
        'START claimed → running ',
        'SUCCEED running → succeeded ',
      ]);
    });

    it('dead-letters a stalled job that has no attempts left', async () => {
      const database = tempDatabase();
      const clock = createManualClock(t0);
      const first = testWarden({ database, clock }).warden;
      const started = deferred();
      first.defineJob('once', {
        retry: { attempts: 1 },
        run: () => {
          started.resolve();
          return new Promise<never>(() => undefined);
        },
      });
      await first.start();
      const job = await first.enqueue('once', {});
      await started.promise;
      await first.stop({ graceMs: 0 });

      const second = testWarden({ database, clock }).warden;
      let runs = 0;
      second.defineJob('once', {
        retry: { attempts: 1 },
        run: () => {
          runs++;
        },
      });
      const events = traceJobs(second, (event) => event.type);
      await second.start();
      await clock.advance(10_000);

      expect(events).toEqual(['job.stalled', 'job.dead']);
      expect(runs).toBe(0);
      expect(await second.getJob(job.id)).toMatchObject({
        status: 'dead',
        attempt: 1,
        error: { code: 'JOB_STALLED' },
      });
    });
  });

  describe('log', () => {
    it('is a pino child of the injected logger carrying jobId, jobType, attempt and the trace', async () => {
      const lines: string[] = [];
      const logger = pino(
        { level: 'debug', base: null, timestamp: false },
        { write: (line: string) => lines.push(line) },
      );
      const { warden } = testWarden({ logger });
      warden.defineJob('mail', {
        run: (_payload, ctx) => {
          ctx.log.info({ to: 'ada@example.com' }, 'sending');
          ctx.log.debug('sent');
        },
      });
      await warden.start();

      const job = await warden.enqueue('mail', {});
      await warden.waitForJob(job.id);

      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const trace = {
        trace_id: job.traceparent?.slice(3, 35),
        span_id: expect.any(String) as string,
      };
      expect(records.filter((record) => record['jobId'] !== undefined)).toEqual([
        {
          level: 30,
          jobId: job.id,
          jobType: 'mail',
          attempt: 1,
          ...trace,
          to: 'ada@example.com',
          msg: 'sending',
        },
        { level: 20, jobId: job.id, jobType: 'mail', attempt: 1, ...trace, msg: 'sent' },
      ]);
    });
  });
});

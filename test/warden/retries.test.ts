import { describe, expect, it } from 'vitest';
import {
  InvalidTransitionError,
  UnrecoverableError,
  type JobHistoryEntry,
} from '../../src/index.js';
import { deferred, t0, testWarden, traceJobs } from '../helpers.js';

/** A history as `[from, to, event, attempt, error message]` rows. */
function rows(history: JobHistoryEntry[]): unknown[][] {
  return history.map((entry) => [
    entry.from,
    entry.to,
    entry.event,
    entry.attempt,
    entry.error?.message ?? null,
  ]);
}

/** An error with a `code`, as upstream libraries throw them. */
function upstreamError(message: string): Error {
  return Object.assign(new Error(message), { code: 'E_UPSTREAM' });
}

describe('retries', () => {
  it('retries a failing job with exponential backoff until it succeeds', async () => {
    const { warden, clock } = testWarden();
    const attempts: { attempt: number; at: number }[] = [];
    warden.defineJob('flaky', {
      retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 1000, jitter: 0.5 } },
      run: (_payload, ctx) => {
        attempts.push({ attempt: ctx.attempt, at: clock.now() });
        if (ctx.attempt < 3) throw new Error(`flake ${ctx.attempt}`);
        return 'ok';
      },
    });
    await warden.start();
    const retrying: { at: number; runAt: number; error: string }[] = [];
    warden.on('job.retrying', (event) =>
      retrying.push({ at: event.at, runAt: event.runAt, error: event.error.message }),
    );

    const job = await warden.enqueue('flaky', {});
    await clock.advance(999);
    expect(attempts).toHaveLength(1);
    await clock.advance(1);
    expect(attempts).toHaveLength(2);
    await clock.advance(1999);
    expect(attempts).toHaveLength(2);
    await clock.advance(1);

    expect(attempts).toEqual([
      { attempt: 1, at: t0 },
      { attempt: 2, at: t0 + 1000 },
      { attempt: 3, at: t0 + 3000 },
    ]);
    expect(retrying).toEqual([
      { at: t0, runAt: t0 + 1000, error: 'flake 1' },
      { at: t0 + 1000, runAt: t0 + 3000, error: 'flake 2' },
    ]);
    expect(await warden.getJob(job.id)).toMatchObject({
      status: 'succeeded',
      attempt: 3,
      result: 'ok',
      finishedAt: t0 + 3000,
    });
  });

  it('shortens each delay by jitter × random()', async () => {
    const { warden, clock } = testWarden({ random: () => 0.5 });
    const starts: number[] = [];
    warden.defineJob('flaky', {
      retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 1000, jitter: 0.5 } },
      run: () => {
        starts.push(clock.now() - t0);
        throw new Error('flake');
      },
    });
    await warden.start();

    await warden.enqueue('flaky', {});
    await clock.advance(10_000);

    expect(starts).toEqual([0, 750, 750 + 1500]);
  });

  it('dead-letters after the last attempt, keeping every attempt’s error in its history', async () => {
    const { warden, clock } = testWarden();
    warden.defineJob('doomed', {
      retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 100 } },
      run: (_payload, ctx) => {
        throw upstreamError(`boom ${ctx.attempt}`);
      },
    });
    await warden.start();
    const events = traceJobs(warden);

    const job = await warden.enqueue('doomed', {});
    await clock.advance(200);

    const dead = await warden.getJob(job.id);
    expect(dead).toMatchObject({
      status: 'dead',
      attempt: 3,
      maxAttempts: 3,
      error: { name: 'Error', message: 'boom 3', code: 'E_UPSTREAM' },
      finishedAt: t0 + 200,
    });
    expect(dead?.error?.stack).toMatch(/^Error: boom 3\n\s+at /);
    expect(rows(await warden.getJobHistory(job.id))).toEqual([
      [null, 'queued', 'ENQUEUE', 0, null],
      ['queued', 'claimed', 'CLAIM', 0, null],
      ['claimed', 'running', 'START', 1, null],
      ['running', 'retrying', 'FAIL', 1, 'boom 1'],
      ['retrying', 'queued', 'DUE', 1, null],
      ['queued', 'claimed', 'CLAIM', 1, null],
      ['claimed', 'running', 'START', 2, null],
      ['running', 'retrying', 'FAIL', 2, 'boom 2'],
      ['retrying', 'queued', 'DUE', 2, null],
      ['queued', 'claimed', 'CLAIM', 2, null],
      ['claimed', 'running', 'START', 3, null],
      ['running', 'dead', 'FAIL', 3, 'boom 3'],
    ]);
    expect(events).toEqual([
      'job.queued 0',
      'job.started 1',
      'job.retrying 1',
      'job.queued 1',
      'job.started 2',
      'job.retrying 2',
      'job.queued 2',
      'job.started 3',
      'job.dead 3',
    ]);
    expect((await warden.listJobs({ status: 'dead' })).map((j) => j.id)).toEqual([job.id]);
  });

  it('honours an attempts override given at enqueue', async () => {
    const { warden, clock } = testWarden();
    let runs = 0;
    warden.defineJob('doomed', {
      retry: { attempts: 5, backoff: { type: 'fixed', delayMs: 10 } },
      run: () => {
        runs++;
        throw new Error('boom');
      },
    });
    await warden.start();

    const job = await warden.enqueue('doomed', {}, { attempts: 2 });
    await clock.advance(1000);

    expect(runs).toBe(2);
    expect(await warden.getJob(job.id)).toMatchObject({ status: 'dead', attempt: 2 });
  });

  it('skips the remaining attempts when the handler throws UnrecoverableError', async () => {
    const { warden, clock } = testWarden();
    let runs = 0;
    warden.defineJob('charge', {
      retry: { attempts: 5, backoff: { type: 'fixed', delayMs: 10 } },
      run: () => {
        runs++;
        throw new UnrecoverableError('card declined');
      },
    });
    await warden.start();

    const job = await warden.enqueue('charge', {});
    await clock.advance(1000);

    expect(runs).toBe(1);
    expect(await warden.getJob(job.id)).toMatchObject({
      status: 'dead',
      attempt: 1,
      error: { name: 'UnrecoverableError', code: 'UNRECOVERABLE', message: 'card declined' },
    });
    expect(rows(await warden.getJobHistory(job.id)).at(-1)).toEqual([
      'running',
      'dead',
      'FAIL',
      1,
      'card declined',
    ]);
  });

  it('dead-letters at once when retryable() returns false, passing it the error', async () => {
    const { warden, clock } = testWarden();
    const asked: string[] = [];
    let runs = 0;
    warden.defineJob('parse', {
      retry: {
        attempts: 5,
        backoff: { type: 'fixed', delayMs: 10 },
        retryable: (error) => {
          asked.push(error.message);
          return false;
        },
      },
      run: () => {
        runs++;
        throw new SyntaxError('bad input');
      },
    });
    await warden.start();

    const job = await warden.enqueue('parse', {});
    await clock.advance(1000);

    expect(runs).toBe(1);
    expect(asked).toEqual(['bad input']);
    expect(await warden.getJob(job.id)).toMatchObject({
      status: 'dead',
      attempt: 1,
      error: { name: 'SyntaxError', message: 'bad input' },
    });
  });

  describe('with a fallback', () => {
    it('runs it once after the last failure and ends succeeded via the fallback', async () => {
      const { warden, clock } = testWarden();
      const fallbackCalls: { attempt: number; error: string; payload: unknown }[] = [];
      warden.defineJob<{ user: string }, string>('render', {
        retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 10 } },
        run: (_payload, ctx) => {
          throw new Error(`render failed ${ctx.attempt}`);
        },
        fallback: (payload, ctx) => {
          fallbackCalls.push({ attempt: ctx.attempt, error: ctx.error.message, payload });
          return `placeholder for ${payload.user}`;
        },
      });
      await warden.start();
      const succeeded: unknown[] = [];
      warden.on('job.succeeded', (event) => succeeded.push(event));

      const job = await warden.enqueue('render', { user: 'ada' });
      await clock.advance(1000);

      expect(fallbackCalls).toEqual([
        { attempt: 2, error: 'render failed 2', payload: { user: 'ada' } },
      ]);
      expect(await warden.getJob(job.id)).toMatchObject({
        status: 'succeeded',
        attempt: 2,
        viaFallback: true,
        result: 'placeholder for ada',
        error: { name: 'Error', message: 'render failed 2' },
      });
      expect(succeeded).toEqual([
        {
          type: 'job.succeeded',
          jobId: job.id,
          jobType: 'render',
          at: t0 + 10,
          attempt: 2,
          viaFallback: true,
        },
      ]);
      expect(rows(await warden.getJobHistory(job.id)).slice(-2)).toEqual([
        ['claimed', 'running', 'START', 2, null],
        ['running', 'succeeded', 'SUCCEED', 2, 'render failed 2'],
      ]);
    });

    it('ends dead when the fallback fails too, naming both errors', async () => {
      const { warden, clock } = testWarden();
      warden.defineJob('render', {
        retry: { attempts: 1 },
        run: () => {
          throw new Error('render failed');
        },
        fallback: async () => {
          throw new Error('no placeholder');
        },
      });
      await warden.start();

      const job = await warden.enqueue('render', {});
      await clock.settle();

      expect(await warden.getJob(job.id)).toMatchObject({
        status: 'dead',
        viaFallback: false,
        result: null,
        error: {
          code: 'FALLBACK_FAILED',
          message:
            'the fallback failed: no placeholder (after the last attempt failed: render failed)',
        },
      });
    });

    it('does not run it when an attempt succeeds', async () => {
      const { warden, clock } = testWarden();
      let fallbackCalls = 0;
      warden.defineJob('render', {
        retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 10 } },
        run: (_payload, ctx) => {
          if (ctx.attempt === 1) throw new Error('once');
          return 'real';
        },
        fallback: () => {
          fallbackCalls++;
          return 'placeholder';
        },
      });
      await warden.start();

      const job = await warden.enqueue('render', {});
      await clock.advance(10);

      expect(fallbackCalls).toBe(0);
      expect(await warden.getJob(job.id)).toMatchObject({
        status: 'succeeded',
        viaFallback: false,
        result: 'real',
      });
    });
  });

  describe('retryJob', () => {
    it('replays a dead job: queued with its attempts reset and its history kept, then runs again', async () => {
      const { warden, clock } = testWarden();
      let healthy = false;
      const attempts: number[] = [];
      warden.defineJob('sync', {
        retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 10 } },
        run: (_payload, ctx) => {
          attempts.push(ctx.attempt);
          if (!healthy) throw new Error(`down ${ctx.attempt}`);
          return 'synced';
        },
      });
      await warden.start();
      const job = await warden.enqueue('sync', {});
      await clock.advance(10);
      expect((await warden.getJob(job.id))?.status).toBe('dead');
      const events = traceJobs(warden);

      healthy = true;
      await clock.advance(1000);
      await warden.retryJob(job.id);

      const done = await warden.waitForJob(job.id);
      expect(done).toMatchObject({ status: 'succeeded', attempt: 1, result: 'synced' });
      expect(attempts).toEqual([1, 2, 1]);
      expect(events).toEqual(['job.queued 0', 'job.started 1', 'job.succeeded 1']);
      expect(rows(await warden.getJobHistory(job.id))).toEqual([
        [null, 'queued', 'ENQUEUE', 0, null],
        ['queued', 'claimed', 'CLAIM', 0, null],
        ['claimed', 'running', 'START', 1, null],
        ['running', 'retrying', 'FAIL', 1, 'down 1'],
        ['retrying', 'queued', 'DUE', 1, null],
        ['queued', 'claimed', 'CLAIM', 1, null],
        ['claimed', 'running', 'START', 2, null],
        ['running', 'dead', 'FAIL', 2, 'down 2'],
        ['dead', 'queued', 'REPLAY', 0, null],
        ['queued', 'claimed', 'CLAIM', 0, null],
        ['claimed', 'running', 'START', 1, null],
        ['running', 'succeeded', 'SUCCEED', 1, null],
      ]);
    });

    it('resolves with the job as replayed, queued at attempt 0, as enqueue resolves with the job as queued', async () => {
      // Today the replay and the claim of a free slot share one commit, and retryJob reads the
      // row after that commit, so the caller sees `running`, attempt 1 whenever a slot is free.
      const { warden, clock } = testWarden();
      let healthy = false;
      warden.defineJob('sync', {
        retry: { attempts: 1 },
        run: () => {
          if (!healthy) throw new Error('down');
          return 'synced';
        },
      });
      await warden.start();
      const job = await warden.enqueue('sync', {});
      await clock.settle();
      healthy = true;

      const replayed = await warden.retryJob(job.id);

      expect(replayed).toMatchObject({ id: job.id, status: 'queued', attempt: 0 });
    });

    it('gives a replayed job its full attempts again', async () => {
      const { warden, clock } = testWarden();
      let runs = 0;
      warden.defineJob('sync', {
        retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 10 } },
        run: () => {
          runs++;
          throw new Error('down');
        },
      });
      await warden.start();
      const job = await warden.enqueue('sync', {});
      await clock.advance(10);

      await warden.retryJob(job.id);
      await clock.advance(10);

      expect(runs).toBe(4);
      expect(await warden.getJob(job.id)).toMatchObject({ status: 'dead', attempt: 2 });
    });

    it('refuses a running job with InvalidTransitionError', async () => {
      const { warden } = testWarden();
      const gate = deferred();
      warden.defineJob('sync', { run: () => gate.promise });
      await warden.start();
      const job = await warden.enqueue('sync', {});

      const retrying = warden.retryJob(job.id);

      await expect(retrying).rejects.toBeInstanceOf(InvalidTransitionError);
      await expect(retrying).rejects.toMatchObject({
        code: 'INVALID_TRANSITION',
        subject: `job ${job.id}`,
        from: 'running',
        attempted: 'retry it',
        message: `job ${job.id} is \`running\`: cannot retry it`,
      });
      expect((await warden.getJob(job.id))?.status).toBe('running');
      gate.resolve();
    });

    it('refuses a queued job with InvalidTransitionError', async () => {
      // A claim depth of one slot claims nothing ahead: the waiting job stays queued.
      const { warden } = testWarden({ concurrency: 1, claimDepth: 1 });
      const gate = deferred();
      warden.defineJob('sync', { run: () => gate.promise });
      await warden.start();
      await warden.enqueue('sync', {});
      const waiting = await warden.enqueue('sync', {});

      const retrying = warden.retryJob(waiting.id);

      await expect(retrying).rejects.toMatchObject({
        code: 'INVALID_TRANSITION',
        from: 'queued',
        message: `job ${waiting.id} is \`queued\`: cannot retry it`,
      });
      expect(await warden.getJobHistory(waiting.id)).toHaveLength(1);
      gate.resolve();
    });

    it('refuses a job claimed ahead of a free slot with InvalidTransitionError', async () => {
      const { warden } = testWarden({ concurrency: 1 });
      const gate = deferred();
      warden.defineJob('sync', { run: () => gate.promise });
      await warden.start();
      await warden.enqueue('sync', {});
      const waiting = await warden.enqueue('sync', {});

      const retrying = warden.retryJob(waiting.id);

      await expect(retrying).rejects.toBeInstanceOf(InvalidTransitionError);
      await expect(retrying).rejects.toMatchObject({
        code: 'INVALID_TRANSITION',
        from: 'claimed',
        message: `job ${waiting.id} is \`claimed\`: cannot retry it`,
      });
      expect((await warden.getJobHistory(waiting.id)).map((entry) => entry.event)).toEqual([
        'ENQUEUE',
        'CLAIM',
      ]);
      expect((await warden.getJob(waiting.id))?.status).toBe('claimed');
      gate.resolve();
    });

    it('refuses a succeeded job with InvalidTransitionError', async () => {
      const { warden } = testWarden();
      warden.defineJob('sync', { run: () => 'done' });
      await warden.start();
      const job = await warden.enqueue('sync', {});
      await warden.waitForJob(job.id);

      await expect(warden.retryJob(job.id)).rejects.toMatchObject({
        code: 'INVALID_TRANSITION',
        message: `job ${job.id} is \`succeeded\`: cannot retry it`,
      });
    });
  });
});

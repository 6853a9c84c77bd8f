import { pino } from 'pino';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { first, firstValueFrom } from 'rxjs';
import {
  createManualClock,
  JobNotFoundError,
  NotRunningError,
  ShutdownError,
  type FallbackContext,
  type WardenEvent,
  isJobEvent,
} from '../../src/index.js';
import { deferred, t0, tempDatabase, testWarden, traceJobs } from '../helpers.js';

/** Ref'd timers keeping this process alive. */
function processTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

describe('events', () => {
  it('emits every transition of a job’s life on events$, in order, with its time and attempt', async () => {
    const { warden, clock } = testWarden();
    warden.defineJob('report', {
      retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 1000 } },
      run: (_payload, ctx) => {
        ctx.progress(1, 2);
        if (ctx.attempt === 1) throw new Error('flake');
        return 'done';
      },
    });
    await warden.start();
    const events: WardenEvent[] = [];
    warden.events$.subscribe((event) => events.push(event));

    const job = await warden.enqueue('report', {}, { delayMs: 500 });
    await clock.advance(1500);

    const base = { jobId: job.id, jobType: 'report' };
    expect(events).toEqual([
      { type: 'job.scheduled', ...base, at: t0, attempt: 0, runAt: t0 + 500 },
      { type: 'job.queued', ...base, at: t0 + 500, attempt: 0 },
      { type: 'job.started', ...base, at: t0 + 500, attempt: 1 },
      { type: 'job.progress', ...base, at: t0 + 500, attempt: 1, progress: { done: 1, total: 2 } },
      {
        type: 'job.retrying',
        ...base,
        at: t0 + 500,
        attempt: 1,
        runAt: t0 + 1500,
        error: {
          name: 'Error',
          message: 'flake',
          stack: expect.stringMatching(/^Error: flake\n/) as unknown,
        },
      },
      { type: 'job.queued', ...base, at: t0 + 1500, attempt: 1 },
      { type: 'job.started', ...base, at: t0 + 1500, attempt: 2 },
      {
        type: 'job.progress',
        ...base,
        at: t0 + 1500,
        attempt: 2,
        progress: { done: 1, total: 2 },
      },
      { type: 'job.succeeded', ...base, at: t0 + 1500, attempt: 2, viaFallback: false },
    ]);
  });

  it('calls on() listeners for their event name only, until disposed', async () => {
    const { warden, clock } = testWarden();
    const gate = deferred();
    warden.defineJob('report', { run: () => gate.promise });
    await warden.start();
    const seen: string[] = [];
    const started = warden.on('job.started', (event) => seen.push(`started ${event.jobId}`));
    const succeeded = warden.on('job.succeeded', (event) =>
      seen.push(`succeeded ${event.jobId} viaFallback=${String(event.viaFallback)}`),
    );

    await warden.enqueue('report', {});
    // job.started is published once the start's write commits, after enqueue() resolved.
    await clock.settle();
    started.dispose();
    await warden.enqueue('report', {});
    gate.resolve();
    await clock.settle();
    succeeded.dispose();
    await warden.enqueue('report', {});
    await clock.settle();

    expect(seen).toEqual([
      'started 1',
      'succeeded 1 viaFallback=false',
      'succeeded 2 viaFallback=false',
    ]);
  });

  it('keeps processing, and calling other listeners, when an on() listener throws', async () => {
    const lines: string[] = [];
    const logger = pino(
      { base: null, timestamp: false },
      { write: (line: string) => lines.push(line) },
    );
    const { warden } = testWarden({ logger });
    warden.defineJob('report', { run: () => 'done' });
    await warden.start();
    const seen: string[] = [];
    warden.on('job.started', () => {
      throw new Error('listener bug');
    });
    warden.on('job.started', (event) => seen.push(`started ${event.jobId}`));
    warden.events$.subscribe((event) => seen.push(event.type));

    const first = await warden.enqueue('report', {});
    const second = await warden.enqueue('report', {});
    await warden.waitForJob(second.id);

    expect(await warden.getJob(first.id)).toMatchObject({ status: 'succeeded', result: 'done' });
    expect(await warden.getJob(second.id)).toMatchObject({ status: 'succeeded', result: 'done' });
    expect(seen).toEqual([
      'job.queued',
      'job.started',
      'started 1',
      'job.succeeded',
      'job.queued',
      'job.started',
      'started 2',
      'job.succeeded',
    ]);
    const logged = lines
      .map((line) => JSON.parse(line) as { msg: string; event?: string; err?: { message: string } })
      .filter((record) => record.msg === 'an event listener threw')
      .map((record) => [record.event, record.err?.message]);
    expect(logged).toEqual([
      ['job.started', 'listener bug'],
      ['job.started', 'listener bug'],
    ]);
  });
});

describe('stop({ graceMs })', () => {
  it('waits for running jobs that finish within the grace period, aborting nothing', async () => {
    const { warden, clock } = testWarden();
    const gate = deferred<string>();
    const aborted: unknown[] = [];
    warden.defineJob('report', {
      run: (_payload, ctx) => {
        ctx.signal.addEventListener('abort', () => aborted.push(ctx.signal.reason));
        return gate.promise;
      },
    });
    await warden.start();
    await warden.enqueue('report', {});
    const events: string[] = [];
    warden.events$.subscribe({
      next: (event) => {
        if (isJobEvent(event)) events.push(event.type);
      },
      complete: () => events.push('complete'),
    });

    let stopped = false;
    const stopping = warden.stop({ graceMs: 5000 }).then(() => {
      stopped = true;
    });
    await clock.advance(2000);
    expect(stopped).toBe(false);
    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      lifecycle: 'stopping',
      running: 1,
      checks: { supervision: { root: 'stopping' }, store: { writable: true } },
    });

    gate.resolve('done in time');
    await stopping;

    expect(clock.now()).toBe(t0 + 2000);
    expect(aborted).toEqual([]);
    // The start's write committed after enqueue() resolved, so its event came after too.
    expect(events).toEqual(['job.started', 'job.succeeded', 'complete']);
    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      lifecycle: 'stopped',
      running: 0,
      checks: { supervision: { root: 'stopped' }, store: { writable: true } },
    });
    expect(clock.pending()).toBe(0);
  });

  it('aborts running jobs with ShutdownError when the grace period ends, and leaves their rows running for the next start', async () => {
    const database = tempDatabase();
    const clock = createManualClock(t0);
    const first = testWarden({ database, clock }).warden;
    const aborts: { at: number; reason: unknown }[] = [];
    first.defineJob('report', {
      run: (_payload, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborts.push({ at: clock.now(), reason: ctx.signal.reason });
            reject(ctx.signal.reason as Error);
          });
        }),
    });
    await first.start();
    const firstEvents = traceJobs(first, (event) => event.type);
    const job = await first.enqueue('report', {});

    let stopped = false;
    const stopping = first.stop({ graceMs: 1000 }).then(() => {
      stopped = true;
    });
    await clock.advance(999);
    expect(aborts).toEqual([]);
    expect(stopped).toBe(false);
    await clock.advance(1);
    await stopping;

    expect(aborts).toHaveLength(1);
    expect(aborts[0]?.at).toBe(t0 + 1000);
    expect(aborts[0]?.reason).toBeInstanceOf(ShutdownError);
    expect(aborts[0]?.reason).toMatchObject({ code: 'SHUTDOWN' });
    expect(firstEvents).toEqual(['job.queued', 'job.started']);
    expect(clock.pending()).toBe(0);

    const second = testWarden({ database, clock }).warden;
    second.defineJob('report', { run: () => 'done' });
    const secondEvents = traceJobs(second);
    await second.start();
    expect(secondEvents).toEqual(['job.stalled 1', 'job.retrying 1']);
    expect(
      (await second.getJobHistory(job.id)).map((entry) => `${entry.event} ${entry.to}`),
    ).toEqual(['ENQUEUE queued', 'CLAIM claimed', 'START running', 'STALL retrying']);
  });

  it('gives jobs claimed ahead back to the queue in its last commit, counting no attempt', async () => {
    const database = tempDatabase();
    const clock = createManualClock(t0);
    const { warden } = testWarden({ database, clock, concurrency: 1 });
    warden.defineJob('report', { run: () => new Promise(() => undefined) });
    await warden.start();
    const [running, ...waiting] = await warden.enqueueMany(
      [1, 2, 3].map((n) => ({ type: 'report', payload: { n } })),
    );
    await clock.settle();
    expect(await warden.countJobs()).toMatchObject({ queued: 0, claimed: 2, running: 1 });
    const events = traceJobs(warden, (event) => `${event.type} ${event.jobId} ${event.attempt}`);

    await warden.stop({ graceMs: 0 });

    expect(events).toEqual(waiting.map((job) => `job.queued ${job.id} 0`));
    const rows = new Database(database, { readonly: true });
    try {
      const jobs = rows
        .prepare<[], { id: number; status: string; attempt: number; stalls: number }>(
          'SELECT id, status, attempt, stalls FROM jobs ORDER BY id',
        )
        .all();
      expect(jobs).toEqual([
        { id: Number(running?.id), status: 'running', attempt: 1, stalls: 0 },
        ...waiting.map((job) => ({ id: Number(job.id), status: 'queued', attempt: 0, stalls: 0 })),
      ]);
      const history = rows
        .prepare<[number], { entry: string }>(
          `SELECT event || ' ' || coalesce(from_status, 'null') || ' → ' || to_status AS entry
           FROM job_events WHERE job_id = ? ORDER BY version`,
        )
        .all(Number(waiting[0]?.id))
        .map((row) => row.entry);
      expect(history).toEqual([
        'ENQUEUE null → queued',
        'CLAIM queued → claimed',
        'RELEASE claimed → queued',
      ]);
    } finally {
      rows.close();
    }
  });

  describe('a stalled last attempt of a type with a fallback', () => {
    /** A file holding `count` `report` jobs on their last attempt, left `running` at a stop. */
    async function leftRunningMany(
      database: string,
      clock: ReturnType<typeof createManualClock>,
      count: number,
    ): Promise<string[]> {
      const first = testWarden({ database, clock, concurrency: count }).warden;
      first.defineJob('report', {
        retry: { attempts: 1 },
        run: () => new Promise(() => undefined), // ignores its signal: abandoned at stop
      });
      await first.start();
      const jobs = await first.enqueueMany(
        Array.from({ length: count }, (_, i) => ({ type: 'report', payload: { id: 7 + i } })),
      );
      await clock.settle();
      await first.stop({ graceMs: 0 });
      return jobs.map((job) => job.id);
    }

    /** A Warden on `database` whose `report` jobs have one attempt and this fallback. */
    function withFallback(
      database: string,
      clock: ReturnType<typeof createManualClock>,
      fallback: (payload: unknown, ctx: FallbackContext) => unknown,
    ) {
      const { warden } = testWarden({ database, clock });
      warden.defineJob('report', { retry: { attempts: 1 }, run: () => 'never again', fallback });
      return warden;
    }

    async function leftRunning(
      database: string,
      clock: ReturnType<typeof createManualClock>,
    ): Promise<string> {
      const [id] = await leftRunningMany(database, clock, 1);
      return id ?? '';
    }

    it('runs the fallbacks one slot at a time, within the concurrency limits', async () => {
      const database = tempDatabase();
      const clock = createManualClock(t0);
      const ids = await leftRunningMany(database, clock, 3);
      const { warden } = testWarden({ database, clock, concurrency: 1 });
      let running = 0;
      let peak = 0;
      const gates = ids.map(() => deferred<string>());
      let next = 0;
      warden.defineJob('report', {
        retry: { attempts: 1 },
        run: () => 'never again',
        fallback: async () => {
          running++;
          peak = Math.max(peak, running);
          await (gates[next++]?.promise ?? Promise.resolve('?'));
          running--;
          return 'fallback';
        },
      });
      await warden.start();
      for (const gate of gates) {
        await clock.settle();
        gate.resolve('go');
      }
      for (const id of ids) expect((await warden.waitForJob(id)).status).toBe('succeeded');
      expect(peak).toBe(1);
    });

    it('runs the fallbacks of a type no more at once than its own concurrency', async () => {
      const database = tempDatabase();
      const clock = createManualClock(t0);
      const ids = await leftRunningMany(database, clock, 3);
      const { warden } = testWarden({ database, clock, concurrency: 3 });
      let running = 0;
      let peak = 0;
      const gates: (() => void)[] = [];
      warden.defineJob('report', {
        concurrency: 1,
        retry: { attempts: 1 },
        run: () => 'never again',
        fallback: async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise<void>((resolve) => gates.push(resolve));
          running--;
          return 'fallback';
        },
      });
      await warden.start();
      for (let round = 0; round < ids.length; round++) {
        await clock.settle();
        for (const release of gates.splice(0)) release();
      }
      for (const id of ids) expect((await warden.waitForJob(id)).status).toBe('succeeded');
      expect(peak).toBe(1);
    });

    it('runs an adopted fallback again after a stop gave it up unfinished', async () => {
      const database = tempDatabase();
      const clock = createManualClock(t0);
      const id = await leftRunning(database, clock);
      const calls: string[] = [];
      const second = testWarden({ database, clock }).warden;
      second.defineJob('report', {
        retry: { attempts: 1 },
        run: () => 'never again',
        fallback: () => {
          calls.push('second');
          return new Promise<string>(() => undefined); // still running at the stop
        },
      });
      await second.start();
      await clock.settle();
      await second.stop({ graceMs: 0 });

      const warden = withFallback(database, clock, () => {
        calls.push('third');
        return 'done at last';
      });
      await warden.start();
      const job = await warden.waitForJob(id);
      expect(calls).toEqual(['second', 'third']);
      expect(job).toMatchObject({ status: 'succeeded', result: 'done at last' });
    });

    it('does not run the fallback of a job cancelled on its job.stalled event', async () => {
      const database = tempDatabase();
      const clock = createManualClock(t0);
      const id = await leftRunning(database, clock);
      const calls: string[] = [];
      const warden = withFallback(database, clock, () => {
        calls.push('fallback');
        return 'x';
      });
      warden.on('job.stalled', (event) => {
        void warden.cancelJob(event.jobId);
      });
      await warden.start();
      const job = await warden.waitForJob(id);
      expect(job.status).toBe('cancelled');
      expect(calls).toEqual([]);
    });

    it('dead-letters a job whose fallback an earlier start had begun (it died too)', async () => {
      const database = tempDatabase();
      const clock = createManualClock(t0);
      const id = await leftRunning(database, clock);
      const raw = new Database(database);
      raw
        .prepare(`UPDATE jobs SET fallback_by = 'a process that died' WHERE id = ?`)
        .run(Number(id));
      raw.close();
      const calls: string[] = [];
      const warden = withFallback(database, clock, () => {
        calls.push('fallback');
        return 'x';
      });
      await warden.start();
      const job = await warden.waitForJob(id);
      expect(calls).toEqual([]);
      expect(job).toMatchObject({ status: 'dead', error: { code: 'JOB_STALLED' } });
    });

    it('runs the fallback at the next start instead of dead-lettering the job', async () => {
      const database = tempDatabase();
      const clock = createManualClock(t0);
      const id = await leftRunning(database, clock);
      const seen: unknown[] = [];
      const warden = withFallback(database, clock, (payload, ctx) => {
        seen.push(payload, ctx.error.name, ctx.attempt);
        return 'from the fallback';
      });
      const events = traceJobs(warden);
      // The event follows the commit that waitForJob may read first: wait for it as well.
      const succeeded = firstValueFrom(
        warden.events$.pipe(first((event) => event.type === 'job.succeeded')),
      );

      await warden.start();
      const job = await warden.waitForJob(id);
      await succeeded;

      expect(seen).toEqual([{ id: 7 }, 'StalledJobError', 1]);
      expect(events).toEqual(['job.stalled 1', 'job.succeeded 1']);
      expect(job).toMatchObject({
        status: 'succeeded',
        result: 'from the fallback',
        viaFallback: true,
        attempt: 1,
      });
      const history = await warden.getJobHistory(id);
      expect(history.map((entry) => `${entry.event} ${entry.to}`)).toEqual([
        'ENQUEUE queued',
        'CLAIM claimed',
        'START running',
        'SUCCEED succeeded',
      ]);
      expect(history[3]?.error).toMatchObject({ code: 'JOB_STALLED' });
    });

    it('dead-letters it with both errors when the fallback fails too', async () => {
      const database = tempDatabase();
      const clock = createManualClock(t0);
      const id = await leftRunning(database, clock);
      const warden = withFallback(database, clock, () => {
        throw new Error('no plan B');
      });
      await warden.start();
      const job = await warden.waitForJob(id);
      expect(job.status).toBe('dead');
      expect(job.error).toMatchObject({ code: 'FALLBACK_FAILED' });
      expect(job.error?.message).toContain('no plan B');
      expect(job.error?.message).toContain('was running when its process died');
    });
  });

  it('keeps the due times of delayed and retrying jobs for the next start', async () => {
    const database = tempDatabase();
    const clock = createManualClock(t0);
    const first = testWarden({ database, clock }).warden;
    first.defineJob('report', {
      retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 8000 } },
      run: () => {
        throw new Error('down');
      },
    });
    await first.start();
    const delayed = await first.enqueue('report', {}, { delayMs: 5000 });
    const retrying = await first.enqueue('report', {});
    await clock.advance(1000);
    await first.stop();

    const second = testWarden({ database, clock }).warden;
    const starts: string[] = [];
    second.defineJob('report', {
      run: (_payload, ctx) => {
        starts.push(`${ctx.jobId} attempt ${ctx.attempt} @${clock.now() - t0}`);
      },
    });
    await second.start();
    await clock.advance(20_000);

    expect(starts).toEqual([`${delayed.id} attempt 1 @5000`, `${retrying.id} attempt 2 @8000`]);
  });

  it('aborts at once with graceMs 0', async () => {
    const { warden } = testWarden();
    const reasons: unknown[] = [];
    warden.defineJob('report', {
      run: (_payload, ctx) =>
        new Promise(() => {
          ctx.signal.addEventListener('abort', () => reasons.push(ctx.signal.reason));
        }),
    });
    await warden.start();
    await warden.enqueue('report', {});

    await warden.stop({ graceMs: 0 });

    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(ShutdownError);
  });

  it('leaves no timer behind, not even a running job’s timeout', async () => {
    const { warden, clock } = testWarden();
    warden.defineJob('report', { timeoutMs: 60_000, run: () => new Promise(() => undefined) });
    warden.defineJob('later', { run: () => undefined });
    await warden.start();
    await warden.enqueue('report', {});
    await warden.enqueue('later', {}, { delayMs: 30_000 });
    expect(clock.pending()).toBe(2);

    await warden.stop({ graceMs: 0 });

    expect(clock.pending()).toBe(0);
  });

  it('refuses enqueue afterwards with NotRunningError', async () => {
    const { warden } = testWarden();
    warden.defineJob('report', { run: () => undefined });
    await warden.start();
    await warden.stop();

    const enqueueing = warden.enqueue('report', {});

    await expect(enqueueing).rejects.toBeInstanceOf(NotRunningError);
    await expect(enqueueing).rejects.toMatchObject({
      code: 'NOT_RUNNING',
      message: 'cannot enqueue: Warden is stopped',
    });
    await expect(warden.enqueueMany([{ type: 'report', payload: {} }])).rejects.toBeInstanceOf(
      NotRunningError,
    );
    await expect(warden.start()).rejects.toBeInstanceOf(NotRunningError);
  });

  it('makes cancelJob, retryJob and waitForJob return rejected promises afterwards, not throw', async () => {
    const { warden } = testWarden();
    warden.defineJob('report', { run: () => undefined });
    await warden.start();
    await warden.stop();

    const calls = [
      () => warden.cancelJob('1'),
      () => warden.retryJob('1'),
      () => warden.waitForJob('1'),
    ];
    const outcomes = calls.map((call) => {
      try {
        return call().then(
          () => 'resolved',
          (error: unknown) => `rejected: ${(error as Error).name}`,
        );
      } catch (error) {
        return Promise.resolve(`threw: ${(error as Error).name}`);
      }
    });

    expect(await Promise.all(outcomes)).toEqual([
      'rejected: NotRunningError',
      'rejected: NotRunningError',
      'rejected: NotRunningError',
    ]);
  });
});

describe('waitForJob', () => {
  it('resolves with the job once it reaches a terminal status', async () => {
    const { warden } = testWarden();
    const gate = deferred<string>();
    warden.defineJob('report', { run: () => gate.promise });
    await warden.start();
    const job = await warden.enqueue('report', {});
    let settled = false;
    const waiting = warden.waitForJob(job.id).finally(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);

    gate.resolve('done');

    expect(await waiting).toMatchObject({ id: job.id, status: 'succeeded', result: 'done' });
  });

  it('resolves at once for a job that already finished', async () => {
    const { warden } = testWarden();
    warden.defineJob('report', { run: () => 'done' });
    await warden.start();
    const job = await warden.enqueue('report', {}, { delayMs: 1000 });
    await warden.cancelJob(job.id);

    expect(await warden.waitForJob(job.id)).toMatchObject({ status: 'cancelled' });
  });

  it('rejects an unknown id with JobNotFoundError', async () => {
    const { warden } = testWarden();
    await warden.start();

    await expect(warden.waitForJob('42')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(warden.waitForJob('42')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });

  it('rejects with the signal’s reason when its AbortSignal aborts, leaving the job running', async () => {
    const { warden, clock } = testWarden();
    const gate = deferred<string>();
    warden.defineJob('report', { run: () => gate.promise });
    await warden.start();
    const job = await warden.enqueue('report', {});
    const controller = new AbortController();
    const waiting = warden.waitForJob(job.id, { signal: controller.signal });

    const reason = new Error('gave up waiting');
    controller.abort(reason);

    await expect(waiting).rejects.toBe(reason);
    await clock.settle(); // the start's write rides on the next commit
    expect((await warden.getJob(job.id))?.status).toBe('running');
    gate.resolve('done');
    expect(await warden.waitForJob(job.id)).toMatchObject({ status: 'succeeded' });
  });

  it('rejects at once when its AbortSignal is already aborted, leaving no wait behind', async () => {
    const { warden, clock } = testWarden();
    warden.defineJob('report', { run: () => new Promise(() => undefined) });
    await warden.start();
    const job = await warden.enqueue('report', {});
    const before = processTimers();
    const reason = new Error('too late');

    await expect(warden.waitForJob(job.id, { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );

    expect.soft(processTimers()).toBe(before);
    // Stopping rejects every wait still registered: one nobody observes is an unhandled rejection.
    await warden.stop({ graceMs: 0 });
    await clock.settle();
  });

  it('stops holding the process open once its AbortSignal aborts', async () => {
    const { warden } = testWarden();
    warden.defineJob('report', { run: () => new Promise(() => undefined) });
    await warden.start();
    const job = await warden.enqueue('report', {});
    const before = processTimers();
    const controller = new AbortController();

    const waiting = warden.waitForJob(job.id, { signal: controller.signal });
    expect(processTimers()).toBe(before + 1);
    controller.abort(new Error('gave up'));
    await waiting.catch(() => undefined);

    expect(processTimers()).toBe(before);
  });

  it('holds the process open for the whole of stop(), supervised actors included', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    await warden.supervise({
      id: 'stubborn',
      shutdownMs: 1000,
      start: () => new Promise<void>(() => undefined), // ignores its signal
    });
    const before = processTimers();

    const stopping = warden.stop({ graceMs: 0 });
    await clock.settle();
    expect(processTimers()).toBe(before + 1);
    await clock.advance(1000);
    await stopping;

    expect(processTimers()).toBe(before);
  });

  it('rejects pending waits with NotRunningError when Warden stops', async () => {
    const { warden } = testWarden();
    warden.defineJob('report', { run: () => new Promise(() => undefined) });
    await warden.start();
    const job = await warden.enqueue('report', {});
    const waiting = warden.waitForJob(job.id);

    await warden.stop({ graceMs: 0 });

    await expect(waiting).rejects.toBeInstanceOf(NotRunningError);
  });
});

describe('health()', () => {
  it('reports idle, running with the count of running jobs, stopping, then stopped', async () => {
    // The event loop's real delay is not this test's business.
    const { warden, clock } = testWarden({
      health: { eventLoop: { degradedMs: null, unhealthyMs: null } },
    });
    const gate = deferred();
    warden.defineJob('report', { run: () => gate.promise });
    const seen = [warden.health()];

    await warden.start();
    seen.push(warden.health());
    await warden.enqueueMany([
      { type: 'report', payload: {} },
      { type: 'report', payload: {} },
    ]);
    seen.push(warden.health());
    const stopping = warden.stop({ graceMs: 1000 });
    seen.push(warden.health());
    gate.resolve();
    await clock.settle();
    await stopping;
    seen.push(warden.health());

    // Unhealthy whenever it is not running; the root's state is the supervision check's.
    expect(
      seen.map((health) => [
        health.lifecycle,
        health.status,
        health.running,
        health.checks.supervision.root,
      ]),
    ).toEqual([
      ['idle', 'unhealthy', 0, 'idle'],
      ['running', 'healthy', 0, 'running'],
      ['running', 'healthy', 2, 'running'],
      ['stopping', 'unhealthy', 2, 'stopping'],
      ['stopped', 'unhealthy', 0, 'stopped'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/index.js';
import { deferred, testWarden } from '../helpers.js';

/** Lets the job runner's group commits and the handlers they start run, without moving time. */
async function waitIdle(clock: ReturnType<typeof testWarden>['clock']): Promise<void> {
  for (let i = 0; i < 5; i++) await clock.settle();
}

describe('jobs guarded by a breaker', () => {
  it('wait while it is open, spending no attempts, and resume when it half-opens', async () => {
    const { warden, clock } = testWarden({ concurrency: 1 });
    const breaker = warden.breaker('api', { consecutiveFailures: 2, openMs: 1000 });
    let up = false;
    const ran: string[] = [];
    warden.defineJob<{ n: number }>('sync', {
      breaker: 'api',
      retry: { attempts: 5, backoff: { type: 'fixed', delayMs: 10 } },
      run: async ({ n }, ctx) => {
        ran.push(`${n}#${ctx.attempt}`);
        if (!up) throw new Error('api down');
      },
    });
    await warden.start();
    const jobs = await warden.enqueueMany(
      [1, 2, 3, 4, 5].map((n) => ({ type: 'sync', payload: { n } })),
    );
    await waitIdle(clock);
    expect(ran).toEqual(['1#1', '2#1']);
    expect(breaker.state).toBe('open');
    await clock.advance(500); // the retries are due, but the breaker is still open
    await waitIdle(clock);
    expect(ran).toEqual(['1#1', '2#1']);
    const waiting = await warden.listJobs({ status: 'queued' });
    expect(waiting.map((job) => [job.payload, job.attempt])).toEqual([
      [{ n: 1 }, 1],
      [{ n: 2 }, 1],
      [{ n: 3 }, 0],
      [{ n: 4 }, 0],
      [{ n: 5 }, 0],
    ]);
    up = true;
    await clock.advance(500); // half-open: one trial job, then closed and the rest
    for (const job of jobs) await warden.waitForJob(job.id);
    expect(ran).toEqual(['1#1', '2#1', '1#2', '2#2', '3#1', '4#1', '5#1']);
    expect(breaker.state).toBe('closed');
    expect((await warden.countJobs()).succeeded).toBe(5);
  });

  it('run no more jobs at once in half-open than its trial admits', async () => {
    const { warden, clock } = testWarden({ concurrency: 4 });
    const breaker = warden.breaker('api', {
      consecutiveFailures: 1,
      openMs: 1000,
      halfOpen: { calls: 2, successes: 2 },
    });
    const gates = new Map<number, { resolve: () => void }>();
    let fail = true;
    let hold = true;
    warden.defineJob<{ n: number }>('sync', {
      breaker: 'api',
      retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 1000 } },
      run: async ({ n }) => {
        if (fail) throw new Error('down');
        if (!hold) return;
        const gate = deferred();
        gates.set(n, gate);
        await gate.promise;
      },
    });
    await warden.start();
    const first = await warden.enqueue('sync', { n: 0 });
    await waitIdle(clock);
    expect(breaker.state).toBe('open');
    fail = false;
    const rest = await warden.enqueueMany(
      [1, 2, 3, 4, 5].map((n) => ({ type: 'sync', payload: { n } })),
    );
    await clock.advance(1000); // half-open, and job 0's retry is due
    await waitIdle(clock);
    expect(breaker.state).toBe('half-open');
    expect([...gates.keys()]).toEqual([0, 1]); // two trials, though four slots are free
    expect(warden.health().running).toBe(2);
    // Nothing is claimed ahead past the breaker's trial calls: the other four stay queued.
    expect(await warden.countJobs()).toMatchObject({ queued: 4, claimed: 0, running: 2 });
    hold = false;
    gates.get(0)?.resolve();
    gates.get(1)?.resolve();
    for (const job of [first, ...rest]) await warden.waitForJob(job.id);
    expect(breaker.state).toBe('closed');
    expect((await warden.getJob(first.id))?.attempt).toBe(2);
  });

  it('refuses a job type naming a breaker that was never created', async () => {
    const { warden } = testWarden();
    warden.defineJob('sync', { breaker: 'nope', run: () => undefined });
    await expect(warden.start()).rejects.toThrow(InvalidOptionError);
    await expect(warden.start()).rejects.toThrow("defineJob('sync').breaker");
  });
});

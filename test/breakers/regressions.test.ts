/** Regressions found by the review of the breakers (issue 7), one test each. */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createManualClock, InvalidOptionError } from '../../src/index.js';
import { deferred, tempDatabase, testWarden } from '../helpers.js';
import { callTimes, down, isOpen, ok } from './helpers.js';

const hang = (): Promise<never> => new Promise(() => undefined);

async function settleAll(clock: ReturnType<typeof testWarden>['clock']): Promise<void> {
  for (let i = 0; i < 5; i++) await clock.settle();
}

describe('breaker regressions', () => {
  it('admits no more jobs in half-open than its trial, across job types sharing it', async () => {
    const { warden, clock } = testWarden({ concurrency: 4 });
    const breaker = warden.breaker('api', { consecutiveFailures: 1, openMs: 1000 });
    const started: string[] = [];
    for (const type of ['a', 'b']) {
      warden.defineJob(type, {
        breaker: 'api',
        run: async () => {
          started.push(type);
          await hang();
        },
      });
    }
    await warden.start();
    await callTimes(breaker, 1, down);
    await warden.enqueue('a', {});
    await warden.enqueue('b', {});
    await clock.advance(1000);
    await settleAll(clock);
    expect(breaker.state).toBe('half-open');
    expect(started).toEqual(['a']);
    expect(breaker.stats.rejected).toBe(0);
  });

  it("keeps breaker actors Warden's own: not stopped, removed or shadowed by hand", async () => {
    const { warden } = testWarden();
    warden.breaker('api');
    await warden.start();
    await expect(warden.stopActor('breaker:api')).rejects.toThrow(InvalidOptionError);
    await expect(warden.removeActor('breaker:api')).rejects.toThrow(InvalidOptionError);
    await expect(
      warden.supervise({ id: 'breaker:other', start: () => hang() }),
    ).rejects.toMatchObject({ code: 'DUPLICATE_ACTOR' });
  });

  it("leaves no listener on the caller's signal, with a timeout too", async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', { timeoutMs: 1000 });
    const shared = new AbortController();
    for (let i = 0; i < 20; i++) await breaker.call(ok, { signal: shared.signal, timeoutMs: 500 });
    await breaker.call(ok, { signal: shared.signal });
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });

  it('hands a trial permit its caller gave back to a waiting job at once', async () => {
    const { warden, clock } = testWarden();
    const breaker = warden.breaker('api', { consecutiveFailures: 1, openMs: 1000 });
    const ran: string[] = [];
    warden.defineJob('a', { breaker: 'api', run: () => void ran.push('a') });
    await warden.start();
    await callTimes(breaker, 1, down);
    await clock.advance(1000);
    const caller = new AbortController();
    const trial = breaker.call(hang, { signal: caller.signal });
    await warden.enqueue('a', {});
    await settleAll(clock);
    expect(ran).toEqual([]);
    caller.abort(new Error('gone'));
    await trial.catch(() => undefined);
    await settleAll(clock);
    expect(ran).toEqual(['a']);
    expect(breaker.state).toBe('closed');
    expect(breaker.history().map((change) => change.to)).toEqual(['open', 'half-open', 'closed']);
  });

  it('grows the open period when trials keep not deciding', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', {
      consecutiveFailures: 1,
      openMs: { type: 'exponential', delayMs: 1000, maxDelayMs: 1_000_000 },
      halfOpen: { maxWaitMs: 10 },
    });
    await callTimes(breaker, 1, down);
    const periods: number[] = [];
    for (let i = 0; i < 4; i++) {
      const opened = clock.now();
      while (isOpen(breaker)) await clock.next();
      periods.push(clock.now() - opened);
      void breaker.call(hang);
      await clock.advance(10);
    }
    expect(periods).toEqual([1000, 2000, 4000, 8000]);
  });

  it('refuses bad history limits and invalidate keys with typed errors', async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api');
    for (const limit of [1.5, Number.NaN, null, Number.POSITIVE_INFINITY, {}, -1, '2', 0]) {
      expect(() => breaker.history(limit as number)).toThrow(InvalidOptionError);
    }
    expect(() => breaker.invalidate(5 as never)).toThrow(InvalidOptionError);
  });

  it('refuses unknown keys inside a backoff, and an open period of 0 ms', () => {
    const { warden } = testWarden();
    expect(() =>
      warden.breaker('a', {
        openMs: { type: 'exponential', delayMs: 1000, maxDelay: 5000 } as never,
      }),
    ).toThrow('did you mean `maxDelayMs`');
    expect(() =>
      warden.breaker('b', { openMs: { type: 'fixed', delayMs: 1000, factor: 3 } as never }),
    ).toThrow(InvalidOptionError);
    expect(() => warden.breaker('c', { openMs: { type: 'fixed', delayMs: 0 } })).toThrow(
      InvalidOptionError,
    );
  });

  it('never lets an older computation that finished last replace a newer cache entry', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', { consecutiveFailures: 1 });
    const slow = deferred<string>();
    const older = breaker.cached('price', () => slow.promise);
    breaker.isolate();
    breaker.reset();
    await breaker.cached('price', async () => 'v2 (newer)');
    await clock.advance(5000);
    slow.resolve('v1 (older)');
    await older;
    await callTimes(breaker, 1, down);
    expect(await breaker.cached('price', async () => 'never')).toEqual({
      value: 'v2 (newer)',
      stale: true,
      ageMs: 5000,
      fromCache: true,
    });
  });

  it('reads lastChange from the history after a restart', async () => {
    const database = tempDatabase();
    const first = testWarden({ database, clock: createManualClock(1_000) });
    const breaker = first.warden.breaker('api', { consecutiveFailures: 1 });
    await first.warden.start();
    await callTimes(breaker, 1, down);
    await first.warden.stop();
    const second = testWarden({ database, clock: createManualClock(2_000) });
    const again = second.warden.breaker('api', { consecutiveFailures: 1 });
    await second.warden.start();
    expect(again.stats.lastChange).toEqual({ from: 'closed', to: 'open', at: 1_000 });
  });

  it('keeps the stats adding up: aborted calls, and fallbacks only when they answer', async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', { consecutiveFailures: 5 });
    const caller = new AbortController();
    const aborted = breaker.call(hang, { signal: caller.signal });
    caller.abort(new Error('gone'));
    await aborted.catch(() => undefined);
    await breaker.call(ok);
    await breaker
      .call(down, {
        fallback: () => {
          throw new Error('no fallback either');
        },
      })
      .catch(() => undefined);
    expect(breaker.stats).toMatchObject({
      calls: 3,
      successes: 1,
      failures: 1,
      aborted: 1,
      fallbacks: 0,
    });
  });

  it('forgets calls begun before a reset in the closed state', async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', { consecutiveFailures: 2 });
    const gate = deferred();
    const before = breaker.call(async () => {
      await gate.promise;
      throw new Error('late');
    });
    breaker.reset();
    gate.resolve();
    await before.catch(() => undefined);
    await callTimes(breaker, 1, down);
    expect(breaker.state).toBe('closed');
  });

  it('takes giving a default explicitly as the same settings', async () => {
    const { warden } = testWarden();
    const breaker = warden.breaker('b');
    expect(warden.breaker('b', { failureRate: 0.5, minimumCalls: 10 })).toBe(breaker);
    expect(() => warden.breaker('b', { minimumCalls: 5 })).toThrow("breaker('b').minimumCalls");
  });
});

import { describe, expect, it } from 'vitest';
import { PoolLease } from '../../src/actors/poolLease.js';
import { WaitQueue } from '../../src/actors/poolWaiters.js';
import { createManualClock } from '../../src/clock.js';

const host = { name: 'db', returned: () => undefined, isBroken: () => false };
const leaseOf = (resource: string): PoolLease<string> => new PoolLease(host, undefined, resource);
const timedOut = (): Error => new Error('timed out');

/** How many Node timers (timeouts and intervals) hold the event loop. */
function liveTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

describe('WaitQueue', () => {
  it('serves higher priorities first, then by arrival', async () => {
    const queue = new WaitQueue<string>(createManualClock(0));
    const served: string[] = [];
    const wait = (name: string, priority: number): void => {
      void queue.wait(priority, 1000, undefined, timedOut).then(() => served.push(name));
    };
    wait('low', 0);
    wait('high', 5);
    wait('low2', 0);
    wait('high2', 5);
    wait('mid', 1);
    expect(queue.length).toBe(5);
    for (let i = 0; i < 5; i++) queue.shift()?.resolve(leaseOf('r'));
    await Promise.resolve();
    expect(served).toEqual(['high', 'high2', 'mid', 'low', 'low2']);
    expect(queue.shift()).toBeUndefined();
  });

  it('hands a served waiter its lease and clears its timer', async () => {
    const clock = createManualClock(0);
    const queue = new WaitQueue<string>(clock);
    const waiting = queue.wait(0, 1000, undefined, timedOut);
    expect(clock.pending()).toBe(1);
    const lease = leaseOf('conn');
    queue.shift()?.resolve(lease);
    expect(await waiting).toBe(lease);
    expect(clock.pending()).toBe(0);
  });

  it('rejects with what timedOut() makes once the timeout passes, leaving the line', async () => {
    const clock = createManualClock(0);
    const queue = new WaitQueue<string>(clock);
    const outcome = queue.wait(0, 500, undefined, timedOut).catch((error: unknown) => error);
    await clock.advance(499);
    expect(queue.length).toBe(1);
    await clock.advance(1);
    expect(await outcome).toMatchObject({ message: 'timed out' });
    expect(queue.length).toBe(0);
  });

  it('rejects with the signal’s reason when it aborts, leaving no timer', async () => {
    const clock = createManualClock(0);
    const queue = new WaitQueue<string>(clock);
    const controller = new AbortController();
    const waiting = queue.wait(0, 500, controller.signal, timedOut);
    controller.abort(new Error('caller gave up'));
    await expect(waiting).rejects.toThrow('caller gave up');
    expect(queue.length).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('rejects every waiter at once, leaving no timer and no abort listener behind', async () => {
    const clock = createManualClock(0);
    const queue = new WaitQueue<string>(clock);
    const controller = new AbortController();
    const first = queue.wait(0, 500, controller.signal, timedOut);
    const second = queue.wait(1, 500, undefined, timedOut);
    queue.rejectAll(new Error('pool closed'));
    await expect(first).rejects.toThrow('pool closed');
    await expect(second).rejects.toThrow('pool closed');
    expect(clock.pending()).toBe(0);
    controller.abort(new Error('too late')); // heard by no waiter
    expect(queue.length).toBe(0);
  });

  it('holds the process open while anyone waits', async () => {
    const queue = new WaitQueue<string>(createManualClock(0));
    const before = liveTimers();
    const waiting = queue.wait(0, 500, undefined, timedOut);
    expect(liveTimers()).toBe(before + 1);
    queue.shift()?.resolve(leaseOf('conn'));
    await waiting;
    expect(liveTimers()).toBe(before);
  });
});

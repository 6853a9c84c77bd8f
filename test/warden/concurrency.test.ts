import { describe, expect, it } from 'vitest';
import type { Warden } from '../../src/index.js';
import { deferred, testWarden } from '../helpers.js';

/** Handlers that wait for `release(name)`, writing `start name` and `end name` to `trace`. */
function gatedJobs(warden: Warden, types: Record<string, { concurrency?: number }>) {
  const trace: string[] = [];
  const gates = new Map<string, ReturnType<typeof deferred<void>>>();
  const gate = (name: string): ReturnType<typeof deferred<void>> => {
    let found = gates.get(name);
    if (found === undefined) {
      found = deferred();
      gates.set(name, found);
    }
    return found;
  };
  for (const [type, options] of Object.entries(types)) {
    warden.defineJob<{ name: string }>(type, {
      ...options,
      run: async ({ name }) => {
        trace.push(`start ${name}`);
        await gate(name).promise;
        trace.push(`end ${name}`);
      },
    });
  }
  return { trace, release: (name: string) => gate(name).resolve() };
}

describe('concurrency', () => {
  it('runs at most `concurrency` jobs at once, starting the next as each one ends', async () => {
    const { warden, clock } = testWarden({ concurrency: 2 });
    const { trace, release } = gatedJobs(warden, { work: {} });
    await warden.start();

    await warden.enqueueMany(
      ['a', 'b', 'c', 'd', 'e'].map((name) => ({ type: 'work', payload: { name } })),
    );
    expect(trace).toEqual(['start a', 'start b']);
    expect(warden.health().running).toBe(2);
    await clock.settle();
    // The other three are claimed ahead (the claim depth is 4 × concurrency), none running.
    expect(await warden.countJobs()).toMatchObject({ queued: 0, claimed: 3, running: 2 });

    release('b');
    await clock.settle();
    release('a');
    await clock.settle();
    release('c');
    await clock.settle();
    release('d');
    release('e');
    await clock.settle();

    expect(trace).toEqual([
      'start a',
      'start b',
      'end b',
      'start c',
      'end a',
      'start d',
      'end c',
      'start e',
      'end d',
      'end e',
    ]);
    expect(await warden.countJobs()).toMatchObject({ succeeded: 5, queued: 0, running: 0 });
  });

  it('runs at most a type’s own `concurrency` of that type, while other types use the free slots', async () => {
    const { warden, clock } = testWarden({ concurrency: 3 });
    const { trace, release } = gatedJobs(warden, { video: { concurrency: 1 }, email: {} });
    await warden.start();

    await warden.enqueueMany([
      { type: 'video', payload: { name: 'video-1' } },
      { type: 'video', payload: { name: 'video-2' } },
      { type: 'email', payload: { name: 'email-1' } },
      { type: 'email', payload: { name: 'email-2' } },
      { type: 'email', payload: { name: 'email-3' } },
    ]);
    expect(trace).toEqual(['start video-1', 'start email-1', 'start email-2']);

    release('email-1');
    await clock.settle();
    expect(trace.slice(3)).toEqual(['end email-1', 'start email-3']);

    release('video-1');
    await clock.settle();
    expect(trace.slice(5)).toEqual(['end video-1', 'start video-2']);

    release('email-2');
    release('email-3');
    release('video-2');
    await clock.settle();
    expect(trace.slice(7)).toEqual(['end email-2', 'end email-3', 'end video-2']);
  });

  it('caps a type at the global concurrency when its own limit is higher', async () => {
    const { warden } = testWarden({ concurrency: 2 });
    const { trace, release } = gatedJobs(warden, { work: { concurrency: 10 } });
    await warden.start();

    await warden.enqueueMany(['a', 'b', 'c'].map((name) => ({ type: 'work', payload: { name } })));

    expect(trace).toEqual(['start a', 'start b']);
    release('a');
    release('b');
    release('c');
  });

  it('does not let a saturated type starve another type queued behind hundreds of its jobs', async () => {
    const { warden } = testWarden({ concurrency: 2 });
    const { trace, release } = gatedJobs(warden, { bulk: { concurrency: 1 }, urgent: {} });
    await warden.start();

    await warden.enqueueMany(
      Array.from({ length: 600 }, (_, i) => ({ type: 'bulk', payload: { name: `bulk-${i}` } })),
    );
    await warden.enqueue('urgent', { name: 'urgent' });

    expect(trace).toEqual(['start bulk-0', 'start urgent']);
    release('bulk-0');
    release('urgent');
  });

  describe('when idle', () => {
    it('keeps no timer while nothing is queued or due', async () => {
      const { warden, clock } = testWarden();
      warden.defineJob('work', { run: () => 'ok' });
      await warden.start();
      await clock.settle();
      expect(clock.pending()).toBe(0);

      const job = await warden.enqueue('work', {});
      await warden.waitForJob(job.id);
      await clock.settle();

      expect(clock.pending()).toBe(0);
    });

    it('keeps exactly one timer, for the earliest due job, and fires nothing before it', async () => {
      const { warden, clock } = testWarden();
      const starts: number[] = [];
      warden.defineJob('work', {
        run: () => {
          starts.push(clock.now());
        },
      });
      await warden.start();

      await warden.enqueue('work', {}, { delayMs: 60_000 });
      await warden.enqueue('work', {}, { delayMs: 30_000 });
      await warden.enqueue('work', {}, { delayMs: 90_000 });
      await clock.settle();
      expect(clock.pending()).toBe(1);

      const start = clock.now();
      expect(await clock.next()).toBe(true);
      expect(clock.now()).toBe(start + 30_000);
      expect(starts).toEqual([start + 30_000]);
      expect(clock.pending()).toBe(1);

      await clock.advance(60_000);
      expect(starts).toEqual([start + 30_000, start + 60_000, start + 90_000]);
      expect(clock.pending()).toBe(0);
    });
  });
});

import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createManualClock, InvalidOptionError } from '../../src/index.js';
import { coalesce, type Batch } from '../../src/dashboard/coalesce.js';
import { t0 } from '../helpers.js';

function setup(windowMs = 100) {
  const clock = createManualClock(t0);
  const source = new Subject<number>();
  const batches: Batch<number>[] = [];
  const done: string[] = [];
  const subscription = source.pipe(coalesce(clock, windowMs)).subscribe({
    next: (batch) => batches.push(batch),
    error: (error: unknown) => done.push(`error ${(error as Error).message}`),
    complete: () => done.push('complete'),
  });
  return { clock, source, batches, done, subscription };
}

describe('coalesce', () => {
  it('sends a burst of 10,000 events as at most 10 batches a second, losing none', async () => {
    const { clock, source, batches } = setup();
    // 10,000 events over 2 s: 5 every millisecond.
    let sent = 0;
    for (let ms = 0; ms < 2000; ms++) {
      for (let i = 0; i < 5; i++) source.next(sent++);
      await clock.advance(1);
    }
    await clock.advance(100);
    expect(sent).toBe(10_000);
    expect(batches.flatMap((b) => b.values)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    for (let i = 1; i < batches.length; i++) {
      expect(batches[i]!.at - batches[i - 1]!.at).toBeGreaterThanOrEqual(100);
    }
    // Any second holds at most 10 of them.
    for (const first of batches) {
      const within = batches.filter((b) => b.at >= first.at && b.at < first.at + 1000);
      expect(within.length).toBeLessThanOrEqual(10);
    }
    expect(batches.length).toBeGreaterThanOrEqual(20);
    expect(clock.pending()).toBe(0);
  });

  it('sends the first event after a quiet window at once, alone', async () => {
    const { clock, source, batches } = setup();
    source.next(1);
    expect(batches).toEqual([{ values: [1], at: t0 }]);
    source.next(2);
    source.next(3);
    expect(batches).toHaveLength(1);
    await clock.advance(100);
    expect(batches[1]).toEqual({ values: [2, 3], at: t0 + 100 });
    await clock.advance(500);
    source.next(4);
    expect(batches[2]).toEqual({ values: [4], at: t0 + 600 });
  });

  it('flushes what waits when the source completes or fails, and stops its timer when unsubscribed', async () => {
    const completing = setup();
    completing.source.next(1);
    completing.source.next(2);
    completing.source.complete();
    expect(completing.batches.map((b) => b.values)).toEqual([[1], [2]]);
    expect(completing.done).toEqual(['complete']);
    expect(completing.clock.pending()).toBe(0);

    const failing = setup();
    failing.source.next(1);
    failing.source.next(2);
    failing.source.error(new Error('file gone'));
    expect(failing.batches.map((b) => b.values)).toEqual([[1], [2]]);
    expect(failing.done).toEqual(['error file gone']);

    const quiet = setup();
    quiet.source.complete(); // nothing waiting, no timer
    expect(quiet.batches).toEqual([]);
    expect(quiet.done).toEqual(['complete']);
    const quietFailure = setup();
    quietFailure.source.next(1); // sent at once: nothing waits
    quietFailure.source.error(new Error('x'));
    expect(quietFailure.batches.map((b) => b.values)).toEqual([[1]]);
    expect(quietFailure.done).toEqual(['error x']);

    const leaving = setup();
    leaving.source.next(1);
    leaving.source.next(2);
    leaving.subscription.unsubscribe();
    expect(leaving.clock.pending()).toBe(0);
    await leaving.clock.advance(100);
    expect(leaving.batches).toHaveLength(1);
  });

  it('refuses a window out of bounds with a typed error', () => {
    const clock = createManualClock(t0);
    expect(() => coalesce(clock, 0)).toThrow(InvalidOptionError);
    expect(() => coalesce(clock, 1.5)).toThrow('1.5');
  });
});

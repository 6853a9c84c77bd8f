import { afterEach, describe, expect, it, vi } from 'vitest';
import { createManualClock, holdProcessOpen, realClock } from '../src/clock.js';
import { InvalidOptionError } from '../src/errors.js';

/** How many Node timers (timeouts and intervals) hold the event loop. */
function liveTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

describe('realClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads the wall clock', () => {
    vi.useFakeTimers({ now: 1_234_567 });
    expect(realClock.now()).toBe(1_234_567);
    vi.advanceTimersByTime(10);
    expect(realClock.now()).toBe(1_234_577);
  });

  it('unrefs every timer, so none keeps the process alive', () => {
    const handle = realClock.setTimeout(() => undefined, 60_000);
    try {
      expect((handle as NodeJS.Timeout).hasRef()).toBe(false);
    } finally {
      realClock.clearTimeout(handle);
    }
  });

  it('fires a timer after its delay, and a negative delay as zero', () => {
    vi.useFakeTimers();
    const fired: string[] = [];
    realClock.setTimeout(() => fired.push('later'), 100);
    realClock.setTimeout(() => fired.push('now'), -50);
    vi.advanceTimersByTime(0);
    expect(fired).toEqual(['now']);
    vi.advanceTimersByTime(99);
    expect(fired).toEqual(['now']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['now', 'later']);
  });

  it('clears a timer before it fires', () => {
    vi.useFakeTimers();
    const fired: string[] = [];
    const handle = realClock.setTimeout(() => fired.push('cleared'), 10);
    realClock.clearTimeout(handle);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([]);
  });
});

describe('createManualClock', () => {
  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a string', '5'],
  ])('refuses a start of %s', (_, start) => {
    expect(() => createManualClock(start as number)).toThrow(InvalidOptionError);
  });

  it('starts at 0 unless told otherwise, and stands still', () => {
    expect(createManualClock().now()).toBe(0);
    const clock = createManualClock(1000);
    expect(clock.now()).toBe(1000);
    expect(clock.now()).toBe(1000);
  });

  it('fires due timers in time order, then creation order, each at its own time', async () => {
    const clock = createManualClock(0);
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    clock.setTimeout(at('c'), 30);
    clock.setTimeout(at('a1'), 10);
    clock.setTimeout(at('b'), 20);
    clock.setTimeout(at('a2'), 10);
    clock.setTimeout(at('late'), 51);
    expect(clock.pending()).toBe(5);
    await clock.advance(50);
    expect(fired).toEqual(['a1@10', 'a2@10', 'b@20', 'c@30']);
    expect(clock.now()).toBe(50);
    expect(clock.pending()).toBe(1);
    await clock.advance(1);
    expect(fired.at(-1)).toBe('late@51');
  });

  it('fires within one advance a timer that a timer set, and a promise callback between them', async () => {
    const clock = createManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push(`first@${clock.now()}`);
      void Promise.resolve().then(() => {
        fired.push(`then@${clock.now()}`);
        clock.setTimeout(() => fired.push(`second@${clock.now()}`), 5);
      });
    }, 10);
    await clock.advance(20);
    expect(fired).toEqual(['first@10', 'then@10', 'second@15']);
    expect(clock.now()).toBe(20);
  });

  it('treats a negative delay as zero', async () => {
    const clock = createManualClock(100);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), -10);
    await clock.advance(0);
    expect(fired).toEqual([100]);
  });

  it.each([
    ['a negative step', -1],
    ['NaN', Number.NaN],
    ['a string', '10'],
  ])('refuses to advance by %s, leaving time and timers as they were', async (_, ms) => {
    const clock = createManualClock(100);
    clock.setTimeout(() => undefined, 0);
    await expect(clock.advance(ms as number)).rejects.toBeInstanceOf(InvalidOptionError);
    expect(clock.now()).toBe(100);
    expect(clock.pending()).toBe(1);
  });

  it('moves to the next timer with next(), and answers false when none is pending', async () => {
    const clock = createManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 100);
    expect(await clock.next()).toBe(true);
    expect(fired).toEqual(['a@100']);
    expect(clock.now()).toBe(100);
    expect(await clock.next()).toBe(true);
    expect(fired).toEqual(['a@100', 'b@200']);
    expect(await clock.next()).toBe(false);
    expect(clock.now()).toBe(200);
  });

  it('ignores clearing an unknown, a foreign or a fired handle', async () => {
    const clock = createManualClock(0);
    const fired: string[] = [];
    const first = clock.setTimeout(() => fired.push('first'), 1);
    clock.setTimeout(() => fired.push('second'), 2);
    await clock.advance(1);
    clock.clearTimeout(first);
    clock.clearTimeout({});
    clock.clearTimeout({ id: 'nope' });
    clock.clearTimeout({ id: 999 });
    expect(clock.pending()).toBe(1);
    await clock.advance(1);
    expect(fired).toEqual(['first', 'second']);
  });

  it('clears a pending timer', async () => {
    const clock = createManualClock(0);
    const fired: string[] = [];
    const handle = clock.setTimeout(() => fired.push('cleared'), 5);
    clock.clearTimeout(handle);
    expect(clock.pending()).toBe(0);
    await clock.advance(10);
    expect(fired).toEqual([]);
  });

  it('lets a chain of promise callbacks finish on settle(), without moving time', async () => {
    const clock = createManualClock(7);
    let steps = 0;
    void (async () => {
      for (let i = 0; i < 5; i++) {
        await Promise.resolve();
        steps++;
      }
    })();
    expect(steps).toBe(0);
    await clock.settle();
    expect(steps).toBe(5);
    expect(clock.now()).toBe(7);
  });

  it('holds no Node timer of its own', async () => {
    const before = liveTimers();
    const clock = createManualClock(0);
    clock.setTimeout(() => undefined, 1000);
    expect(liveTimers()).toBe(before);
    await clock.advance(1000);
    expect(liveTimers()).toBe(before);
  });
});

describe('holdProcessOpen', () => {
  it('keeps one timer alive while anything holds it, and lets go at the last release', () => {
    const before = liveTimers();
    const first = holdProcessOpen();
    const second = holdProcessOpen();
    expect(liveTimers()).toBe(before + 1);
    first();
    first(); // a second release of the same hold changes nothing
    expect(liveTimers()).toBe(before + 1);
    second();
    expect(liveTimers()).toBe(before);
    const third = holdProcessOpen();
    expect(liveTimers()).toBe(before + 1);
    third();
    expect(liveTimers()).toBe(before);
  });
});

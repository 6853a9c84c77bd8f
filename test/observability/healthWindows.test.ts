import { createHistogram } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import {
  EventLoopWindow,
  readDelays,
  type EventLoopReading,
  type EventLoopSampler,
} from '../../src/observability/healthEventLoop.js';
import {
  CommitLatency,
  EventWindow,
  percentile,
  windowCapacity,
} from '../../src/observability/healthWindows.js';

describe('percentile', () => {
  it.each([
    [[], 0.99, 0],
    [[5], 0.99, 5],
    [[1, 2, 3, 4], 0.5, 2],
    [[1, 2, 3, 4], 0.99, 4],
    [Array.from({ length: 100 }, (_, i) => i + 1), 0.99, 99],
    [Array.from({ length: 200 }, (_, i) => i + 1), 0.99, 198],
  ])('of %j at %d is %d (nearest rank)', (sorted, p, expected) => {
    expect(percentile(sorted, p)).toBe(expected);
  });
});

describe('EventWindow', () => {
  it('counts the occurrences within the window before now, and all of them in total', () => {
    const window = new EventWindow();
    for (const at of [100, 200, 300, 1000]) window.record(at);
    expect(window.count(1000, 1000)).toBe(4);
    expect(window.count(1000, 800)).toBe(2); // after 200
    expect(window.count(1300, 1000)).toBe(1); // after 300
    expect(window.count(1300, 1001)).toBe(2);
    expect(window.count(5000, 1000)).toBe(0);
    expect(window.total).toBe(4);
  });

  it('keeps the last windowCapacity occurrences only, with a fixed memory', () => {
    const window = new EventWindow();
    for (let i = 0; i < windowCapacity + 10; i++) window.record(i);
    expect(window.count(windowCapacity + 10, 1_000_000)).toBe(windowCapacity);
    expect(window.total).toBe(windowCapacity + 10);
  });
});

describe('CommitLatency', () => {
  it('measures each commit from its send to its answer, with the p99 and max over the window', () => {
    const latency = new CommitLatency();
    for (let i = 0; i < 99; i++) latency.end(latency.begin(1000 + i), 1000 + i + 2);
    latency.end(latency.begin(2000), 2300);
    expect(latency.summary(2300, 60_000)).toEqual({
      p99Ms: 2,
      maxMs: 300,
      samples: 100,
      pending: 0,
      pendingMs: 0,
    });
    // Commits answered before the window are forgotten.
    expect(latency.summary(2300 + 60_000 - 1, 60_000)).toMatchObject({ p99Ms: 300, samples: 1 });
    expect(latency.summary(3000, 500)).toMatchObject({ p99Ms: 0, maxMs: 0, samples: 0 });
  });

  it('shows a commit still in flight by how long it has waited', () => {
    const latency = new CommitLatency();
    const first = latency.begin(1000);
    const second = latency.begin(1500);
    expect(latency.summary(7000, 60_000)).toMatchObject({
      samples: 0,
      pending: 2,
      pendingMs: 6000,
    });
    latency.end(first, 7000);
    expect(latency.summary(7000, 60_000)).toMatchObject({
      p99Ms: 6000,
      samples: 1,
      pending: 1,
      pendingMs: 5500,
    });
    latency.end(second, 7000);
    latency.end(second, 9000); // a second answer for one commit is ignored
    expect(latency.summary(9000, 60_000)).toMatchObject({ samples: 2, pending: 0, pendingMs: 0 });
  });
});

describe('readDelays', () => {
  it('reads a perf_hooks histogram of nanoseconds as lag in ms, less the timer baseline', () => {
    const histogram = createHistogram();
    expect(readDelays(histogram, 20)).toEqual({ p99Ms: 0, maxMs: 0, samples: 0 });
    for (let i = 0; i < 99; i++) histogram.record(21_000_000); // 21 ms: 1 ms late
    histogram.record(520_000_000);
    expect(readDelays(histogram, 20)).toEqual({ p99Ms: 1, maxMs: 500, samples: 100 });
    histogram.record(10_000_000); // early timers are no negative lag
    expect(readDelays(histogram, 20).p99Ms).toBe(1);
    histogram.reset();
    expect(readDelays(histogram, 20).samples).toBe(0);
  });
});

/** A sampler whose reading the test sets, counting its resets. */
function setSampler() {
  const state = { reading: { p99Ms: 0, maxMs: 0, samples: 0 } as EventLoopReading, resets: 0 };
  const calls: string[] = [];
  const sampler: EventLoopSampler = {
    start: () => calls.push('start'),
    stop: () => calls.push('stop'),
    read: () => state.reading,
    reset: () => {
      state.resets++;
      state.reading = { p99Ms: 0, maxMs: 0, samples: 0 };
    },
  };
  return { sampler, state, calls };
}

describe('EventLoopWindow', () => {
  it('reports the larger of this window and the last, turning the window over when read after it', () => {
    const { sampler, state, calls } = setSampler();
    const window = new EventLoopWindow(sampler, 10_000);
    window.start(0);
    expect(calls).toEqual(['start']);
    state.reading = { p99Ms: 300, maxMs: 400, samples: 50 };
    expect(window.read(5_000)).toEqual({ p99Ms: 300, maxMs: 400, samples: 50 });
    // The window is over: its reading becomes the last one, and a new window begins.
    expect(window.read(10_000)).toEqual({ p99Ms: 300, maxMs: 400, samples: 50 });
    expect(state.resets).toBe(2); // at start, and now
    state.reading = { p99Ms: 5, maxMs: 8, samples: 40 };
    expect(window.read(15_000)).toEqual({ p99Ms: 300, maxMs: 400, samples: 90 });
    // At the next turn, the window that saw the spike is the one before the one just ended...
    expect(window.read(20_000)).toEqual({ p99Ms: 300, maxMs: 400, samples: 90 });
    // ...then it is gone.
    expect(window.read(25_000)).toEqual({ p99Ms: 5, maxMs: 8, samples: 40 });
    window.stop();
    window.stop();
    expect(calls).toEqual(['start', 'stop']);
  });
});

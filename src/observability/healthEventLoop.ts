import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Event-loop delays measured since the sampler was last reset. */
export interface EventLoopReading {
  /** The 99th percentile of the delays, in ms; 0 with no sample. */
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly samples: number;
}

/**
 * Measures how late the event loop runs: Warden starts it with `start()`, reads it at each
 * `health()`, resets it once a window is over, and stops it with `stop()`.
 */
export interface EventLoopSampler {
  start(): void;
  stop(): void;
  read(): EventLoopReading;
  reset(): void;
}

/** What a sampler reads from a `perf_hooks` histogram (values in nanoseconds). */
export interface DelayHistogram {
  readonly count: number;
  readonly max: number;
  percentile(percentile: number): number;
  reset(): void;
}

/**
 * A reading, in whole ms, of a histogram of timer delays in nanoseconds, less `baselineMs`: a timer that
 * fires every `baselineMs` on an idle loop records about `baselineMs`, which is no lag.
 */
export function readDelays(histogram: DelayHistogram, baselineMs: number): EventLoopReading {
  if (histogram.count === 0) return { p99Ms: 0, maxMs: 0, samples: 0 };
  // Whole ms: the histogram keeps about three significant digits.
  const lag = (ns: number): number => Math.max(0, Math.round(ns / 1e6 - baselineMs));
  return {
    p99Ms: lag(histogram.percentile(99)),
    maxMs: lag(histogram.max),
    samples: histogram.count,
  };
}

/** The resolution of the default sampler's timer, in ms. */
export const eventLoopResolutionMs = 20;

/** The default sampler: `perf_hooks.monitorEventLoopDelay`, a timer every 20 ms. */
export function monitorEventLoop(): EventLoopSampler {
  const histogram = monitorEventLoopDelay({ resolution: eventLoopResolutionMs });
  return {
    start: () => histogram.enable(),
    stop: () => histogram.disable(),
    read: () => readDelays(histogram, eventLoopResolutionMs),
    reset: () => {
      histogram.reset();
    },
  };
}

/**
 * The event-loop delays of the current window and the one before it, with windows of `windowMs`
 * turned over when read (so no timer of its own): a spike stays visible for one to two windows.
 */
export class EventLoopWindow {
  private previous: EventLoopReading = { p99Ms: 0, maxMs: 0, samples: 0 };
  private windowStart = 0;
  private running = false;

  constructor(
    private readonly sampler: EventLoopSampler,
    private readonly windowMs: number,
  ) {}

  start(now: number): void {
    if (this.running) return;
    this.running = true;
    this.windowStart = now;
    this.sampler.reset();
    this.sampler.start();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.sampler.stop();
  }

  /** The larger p99 and max of this window and the last, turning the window over when it is due. */
  read(now: number): EventLoopReading {
    if (!this.running) return this.previous;
    const current = this.sampler.read();
    if (now - this.windowStart >= this.windowMs) {
      const previous = this.previous;
      this.previous = current;
      this.sampler.reset();
      this.windowStart = now;
      return merge(current, previous);
    }
    return merge(current, this.previous);
  }
}

function merge(a: EventLoopReading, b: EventLoopReading): EventLoopReading {
  return {
    p99Ms: Math.max(a.p99Ms, b.p99Ms),
    maxMs: Math.max(a.maxMs, b.maxMs),
    samples: a.samples + b.samples,
  };
}

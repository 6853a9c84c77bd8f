import { InvalidOptionError } from './errors.js';
import { checkNumber } from './options.js';

/** An opaque handle returned by `Clock.setTimeout`. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** The only source of time in Warden: every timestamp and timer goes through one. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` after `ms`; a real clock's timers never keep the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The wall clock, with every timer `unref`'d. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

interface ManualTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** A clock that moves only when told to: for deterministic tests. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, firing due timers in order and settling promises between them. */
  advance(ms: number): Promise<void>;
  /** Moves time to the next pending timer and fires it; false when none is pending. */
  next(): Promise<boolean>;
  /** How many timers are pending. */
  pending(): number;
  /** Lets queued promise callbacks and I/O callbacks run, without moving time. */
  settle(): Promise<void>;
}

/** Work under way off the event loop (group commits on the writer thread), that settling waits for. */
const work = new Set<Promise<unknown>>();

/**
 * Marks `promise` as work under way, so that a manual clock's `settle()` (and so `advance()` and
 * `next()`) waits for it: a commit on the writer thread takes real time, even under fake time.
 */
export function trackWork<T>(promise: Promise<T>): Promise<T> {
  work.add(promise);
  const done = (): void => {
    work.delete(promise);
  };
  promise.then(done, done);
  return promise;
}

/**
 * Yields to the event loop a few times so that chains of promise callbacks and setImmediate work
 * complete, and waits for tracked work (and whatever it starts) to finish.
 */
async function settle(rounds = 8): Promise<void> {
  for (let pass = 0; pass < 10_000; pass++) {
    for (let i = 0; i < rounds; i++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (work.size === 0) return;
    await Promise.allSettled([...work]);
  }
}

/** Creates a clock that starts at `start` and moves only through `advance` or `next`. */
export function createManualClock(start = 0): ManualClock {
  if (typeof start !== 'number' || !Number.isFinite(start)) {
    throw new InvalidOptionError('start', 'a finite number of ms', start);
  }
  let now = start;
  let seq = 0;
  const timers = new Map<number, ManualTimer>();

  const earliest = (): ManualTimer | undefined => {
    let first: ManualTimer | undefined;
    for (const timer of timers.values()) {
      if (
        first === undefined ||
        timer.at < first.at ||
        (timer.at === first.at && timer.id < first.id)
      ) {
        first = timer;
      }
    }
    return first;
  };

  return {
    now: () => now,
    setTimeout(fn, ms) {
      const timer: ManualTimer = { id: ++seq, at: now + Math.max(0, ms), fn };
      timers.set(timer.id, timer);
      return { id: timer.id };
    },
    clearTimeout(handle) {
      const id = (handle as { id?: unknown }).id;
      if (typeof id === 'number') timers.delete(id);
    },
    async advance(ms) {
      const target = now + checkNumber('ms', ms, 0); // time never goes back
      await settle();
      for (;;) {
        const timer = earliest();
        if (timer === undefined || timer.at > target) break;
        timers.delete(timer.id);
        now = Math.max(now, timer.at);
        timer.fn();
        await settle();
      }
      now = target;
      await settle();
    },
    async next() {
      await settle();
      const timer = earliest();
      if (timer === undefined) return false;
      timers.delete(timer.id);
      now = Math.max(now, timer.at);
      timer.fn();
      await settle();
      return true;
    },
    pending: () => timers.size,
    settle: () => settle(),
  };
}

let holders = 0;
let keeper: ReturnType<typeof setInterval> | undefined;

/**
 * Keeps the process alive until the returned function is called. Warden's timers are unref'd,
 * so only an explicit wait such as `waitForJob` holds the process open.
 */
export function holdProcessOpen(): () => void {
  holders++;
  keeper ??= setInterval(() => undefined, 2 ** 30);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders--;
    if (holders === 0 && keeper !== undefined) {
      clearInterval(keeper);
      keeper = undefined;
    }
  };
}

import { holdProcessOpen, type Clock } from '../clock.js';
import { coerceError } from '../errors.js';
import type { PoolLease } from './poolLease.js';

/** An acquirer waiting for a resource. */
interface Waiter<R> {
  readonly priority: number;
  resolve(lease: PoolLease<R>): void;
  reject(error: Error): void;
  timer: ReturnType<Clock['setTimeout']> | undefined;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** A waiter taken off the line: hand it a lease, or tell it why not. */
export interface ServedWaiter<R> {
  resolve(lease: PoolLease<R>): void;
  reject(error: Error): void;
}

/**
 * The acquirers waiting on a pool, best first: higher priority, then arrival. Each leaves the line
 * when served, when its timeout passes, or when its signal aborts, and none is left behind; a
 * waiter keeps the process alive, as a pending `waitForJob()` does.
 */
export class WaitQueue<R> {
  private readonly waiters: Waiter<R>[] = [];

  constructor(private readonly clock: Clock) {}

  get length(): number {
    return this.waiters.length;
  }

  /** Waits in line; past `timeoutMs` it rejects with what `timedOut()` makes of it. */
  wait(
    priority: number,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    timedOut: () => Error,
  ): Promise<PoolLease<R>> {
    return new Promise((resolve, reject) => {
      const letGo = holdProcessOpen();
      const waiter: Waiter<R> = {
        priority,
        resolve: (lease) => {
          letGo();
          resolve(lease);
        },
        reject: (error) => {
          letGo();
          reject(error);
        },
        timer: undefined,
        signal,
        onAbort: undefined,
      };
      waiter.timer = this.clock.setTimeout(() => {
        waiter.timer = undefined;
        if (this.drop(waiter)) waiter.reject(timedOut());
      }, timeoutMs);
      if (signal !== undefined) {
        waiter.onAbort = () => {
          if (this.drop(waiter)) waiter.reject(coerceError(signal.reason));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      // After every waiter of its priority or higher.
      let index = this.waiters.length;
      while (index > 0 && (this.waiters[index - 1]?.priority ?? 0) < priority) index--;
      this.waiters.splice(index, 0, waiter);
    });
  }

  /** The best waiter, taken off the line, or undefined when none waits. */
  shift(): ServedWaiter<R> | undefined {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) this.forget(waiter);
    return waiter;
  }

  /** Rejects every waiter with `error`. */
  rejectAll(error: Error): void {
    for (const waiter of this.waiters.splice(0)) {
      this.forget(waiter);
      waiter.reject(error);
    }
  }

  private drop(waiter: Waiter<R>): boolean {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return false;
    this.waiters.splice(index, 1);
    this.forget(waiter);
    return true;
  }

  private forget(waiter: Waiter<R>): void {
    if (waiter.timer !== undefined) this.clock.clearTimeout(waiter.timer);
    waiter.timer = undefined;
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }
}

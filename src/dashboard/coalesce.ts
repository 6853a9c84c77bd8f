import { Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../clock.js';
import { checkInteger } from '../options.js';

/** What a coalesced stream emits: the values that arrived since the last emission, oldest first. */
export interface Batch<T> {
  readonly values: readonly T[];
  /** When the batch was emitted (the clock's time). */
  readonly at: number;
}

/**
 * Emits what `source` sends in batches, at most one every `windowMs` on `clock`: the first value
 * after a quiet window goes out at once, alone; whatever arrives within the window after an
 * emission waits for the window's end and goes out together. Nothing is dropped, the last value
 * always goes out, and a source that completes flushes what is waiting first. The dashboard's
 * live updates go through one, at `windowMs` 100: at most 10 a second whatever the burst.
 */
export function coalesce<T>(clock: Clock, windowMs: number) {
  const window = checkInteger('windowMs', windowMs, 1, 60_000);
  return (source: Observable<T>): Observable<Batch<T>> =>
    new Observable<Batch<T>>((subscriber) => {
      let waiting: T[] = [];
      let timer: TimerHandle | undefined;
      let lastAt = Number.NEGATIVE_INFINITY;
      const flush = (): void => {
        timer = undefined;
        if (waiting.length === 0) return;
        const values = waiting;
        waiting = [];
        lastAt = clock.now();
        subscriber.next({ values, at: lastAt });
      };
      const subscription = source.subscribe({
        next(value) {
          waiting.push(value);
          if (timer !== undefined) return;
          const wait = lastAt + window - clock.now();
          if (wait <= 0) flush();
          else timer = clock.setTimeout(flush, wait);
        },
        error(error: unknown) {
          if (timer !== undefined) clock.clearTimeout(timer);
          flush();
          subscriber.error(error);
        },
        complete() {
          if (timer !== undefined) clock.clearTimeout(timer);
          flush();
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
      };
    });
}

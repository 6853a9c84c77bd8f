import type { Clock, TimerHandle } from '../../clock.js';
import { DatabaseError, DatabaseWriteFailedError } from '../../errors.js';

/** Group commits that may fail in a row (retried with backoff) before the job runner gives up. */
export const commitFailuresBeforeExit = 5;

/**
 * Group commits that failed in a row: why the last one did, and the timer that retries the run
 * outcomes it carried, with backoff (50 ms doubling, at most 5 s).
 */
export class CommitFailures {
  /** Failed in a row. Not reset by a restart: one more failure after it exits at once. */
  count = 0;
  /** Why the last group commit failed, while run outcomes wait to be retried. */
  error: DatabaseError | undefined;
  private timer: TimerHandle | undefined;

  constructor(private readonly clock: Clock) {}

  /** True once enough commits failed in a row that the runner gives up. */
  get exhausted(): boolean {
    return this.count >= commitFailuresBeforeExit;
  }

  /** A commit succeeded. */
  cleared(): void {
    this.count = 0;
    this.error = undefined;
  }

  /** A commit failed with `error`; returns the `DatabaseError` that reports it. */
  failed(error: Error): DatabaseError {
    this.count++;
    this.error =
      error instanceof DatabaseError
        ? error
        : new DatabaseWriteFailedError(`the database refused a group commit: ${error.message}`, {
            cause: error,
          });
    return this.error;
  }

  /** Calls `retry` after the backoff of the failures so far. */
  retryLater(retry: () => void): void {
    this.cancelRetry();
    const delay = Math.min(5000, 50 * 2 ** Math.min(this.count, 10));
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      retry();
    }, delay);
  }

  cancelRetry(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

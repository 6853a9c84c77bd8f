import type { SerializedError } from '../errors.js';

/** The two ends of a promise, settled after a commit. */
export interface Deferred<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/** How an attempt ended, as decided by the job machine. */
export type RunOutcome =
  | {
      readonly to: 'succeeded';
      readonly event: 'SUCCEED';
      readonly resultJson: string;
      readonly viaFallback: boolean;
      /** With `viaFallback`: the error of the last attempt, kept in the history. */
      readonly error?: SerializedError;
    }
  | {
      readonly to: 'retrying';
      readonly event: 'FAIL';
      readonly error: SerializedError;
      readonly runAt: number;
    }
  | { readonly to: 'dead'; readonly event: 'FAIL'; readonly error: SerializedError }
  | { readonly to: 'cancelled'; readonly event: 'CANCEL' };

/** What a run's attempt failed with, and how the machine is told. */
export type Failure = { readonly type: 'FAIL' | 'TIMEOUT'; readonly retryable: boolean };

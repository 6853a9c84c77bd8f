import { NotRunningError, serializeError, type SerializedError } from '../errors.js';

/** Whether Warden is working, for a readiness probe. */
export interface Health {
  readonly status: 'idle' | 'running' | 'stopping' | 'stopped';
  readonly healthy: boolean;
  /** Jobs running in this process. */
  readonly running: number;
  /** The root supervisor's state: `failed` once it has given up. */
  readonly supervisor: string;
  /** `failing` while the database refuses the writes that record job outcomes (they are retried). */
  readonly database: 'ok' | 'failing';
  /** Why the root supervisor gave up, or else why the database is failing. */
  readonly error?: SerializedError;
}

/** Where a Warden is in its life: `idle` until `start()`, `stopped` for good after `stop()`. */
export type WardenState = Health['status'];

/**
 * A Warden's lifecycle state and whether its root supervisor gave up: what every API call checks
 * before it does anything.
 */
export class Lifecycle {
  state: WardenState = 'idle';
  /** Why the root supervisor gave up (or another process took the file over), once it has. */
  rootFailure: Error | undefined;

  /** True once `stop()` was called: nothing new may be created. */
  get closing(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  /**
   * Whether Warden is up, for a readiness probe: unhealthy once the root supervisor has given up,
   * or while the job runner's writes fail.
   */
  health(
    runner: { readonly failure: Error | undefined; readonly running: number },
    supervisor: string,
  ): Health {
    const writeFailure = this.state === 'running' ? runner.failure : undefined;
    const error = this.rootFailure ?? writeFailure;
    return {
      status: this.state,
      healthy: this.state === 'running' && error === undefined,
      running: runner.running,
      supervisor,
      database: writeFailure === undefined ? 'ok' : 'failing',
      ...(error === undefined ? {} : { error: serializeError(error) }),
    };
  }

  /** Refuses `operation` unless Warden is running and its root supervisor is up. */
  assertRunning(operation: string): void {
    if (this.state !== 'running') throw new NotRunningError(operation, this.state);
    if (this.rootFailure !== undefined) {
      throw new NotRunningError(operation, 'down: its root supervisor gave up');
    }
  }

  /** Refuses `operation` (a read) unless the database is open: running, or stopping. */
  assertOpen(operation: string): void {
    if (this.state !== 'running' && this.state !== 'stopping')
      throw new NotRunningError(operation, this.state);
  }
}

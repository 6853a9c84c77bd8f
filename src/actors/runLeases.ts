import { InvalidOptionError, JobCancelledError, ShutdownError } from '../errors.js';
import { checkObject } from '../options.js';
import type { Lease, Pool } from './pool.js';
import { PoolLease } from './poolLease.js';
import type { AcquireOptions } from './poolOptions.js';

/** The pool leases one attempt took through `ctx.acquire`: the attempt's end ends them. */
export class RunLeases {
  private held: Lease<unknown>[] = [];

  constructor(
    private readonly jobId: string,
    private readonly poolNamed: (name: string) => Pool<unknown> | undefined,
  ) {}

  /** Leases a pool's resource; `ended` says whether the attempt ended while it waited. */
  async acquire(
    ref: unknown,
    options: AcquireOptions | undefined,
    signal: AbortSignal,
    ended: () => boolean,
  ): Promise<Lease<unknown>> {
    const pool = this.poolOf(ref);
    const given = checkObject('acquire options', options);
    const own = given['signal'];
    // The attempt's end aborts the wait too, whatever signal the handler gave.
    const mine =
      own === undefined
        ? signal
        : own instanceof AbortSignal
          ? AbortSignal.any([own, signal])
          : own;
    const lease = await pool.acquire({ ...given, signal: mine as AbortSignal }); // a bad one is refused there
    if (ended()) {
      lease.release(); // the attempt ended while it waited
      throw new JobCancelledError(this.jobId);
    }
    this.held.push(lease);
    return lease;
  }

  /** Ends the leases the handler left open: destroyed (their signals aborted) when the handler may still hold them. */
  end(destroy: boolean): void {
    if (this.held.length === 0) return;
    for (const lease of this.held.splice(0)) {
      try {
        if (!destroy) lease.release();
        else if (lease instanceof PoolLease) {
          lease.abandon(new ShutdownError(`job ${this.jobId}'s attempt ended`));
        } else lease.destroy();
      } catch {
        // already ended by the handler
      }
    }
  }

  private poolOf(ref: unknown): Pool<unknown> {
    if (typeof ref === 'string') {
      const pool = this.poolNamed(ref);
      if (pool === undefined) {
        throw new InvalidOptionError('pool', 'the name of a pool created with warden.pool()', ref);
      }
      return pool;
    }
    if (typeof ref === 'object' && ref !== null && 'acquire' in ref && 'name' in ref) {
      return ref as Pool<unknown>;
    }
    throw new InvalidOptionError('pool', 'a pool, or the name of one', ref);
  }
}

import { coerceError, LeaseEndedError } from '../errors.js';
import type { Lease } from './pool.js';

/** What a lease tells its pool. */
export interface LeaseHost<R, S> {
  readonly name: string;
  /** The holder gave the resource back (`destroy`: it is broken and must go). */
  returned(lease: PoolLease<R, S>, destroy: boolean): void;
  /** Whether `error`, thrown while using `resource`, means it is broken. */
  isBroken(error: Error, resource: R): boolean;
}

/** One lease of one slot's resource; `S` is the pool's slot, opaque to the lease. */
export class PoolLease<R, S = unknown> implements Lease<R> {
  ended: 'released' | 'destroyed' | 'revoked' | undefined;
  private controller: AbortController | undefined;

  constructor(
    private readonly host: LeaseHost<R, S>,
    readonly slot: S,
    readonly resource: R,
  ) {}

  /** Created on first use: most holders never read it. */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  release(): void {
    if (this.ended === 'revoked') return; // the pool took it back already: nothing to give
    this.end('released', 'release it');
    this.host.returned(this, false);
  }

  destroy(): void {
    if (this.ended === 'revoked') return;
    this.end('destroyed', 'destroy it');
    this.host.returned(this, true);
  }

  fail(error: unknown): void {
    if (this.ended !== undefined) return;
    if (this.host.isBroken(coerceError(error), this.resource)) this.destroy();
    else this.release();
  }

  /** The pool takes the resource back (a stop outlived the drain): the holder's signal aborts. */
  revoke(reason: Error): void {
    if (this.ended !== undefined) return;
    this.ended = 'revoked';
    this.controller ??= new AbortController();
    this.controller.abort(reason);
  }

  /** Ends the lease for its holder's attempt (a job's timeout, cancel or shutdown): its signal aborts, then the resource goes. */
  abandon(reason: Error): void {
    if (this.ended !== undefined) return;
    this.controller ??= new AbortController();
    this.controller.abort(reason);
    this.destroy();
  }

  private end(how: 'released' | 'destroyed', attempted: string): void {
    if (this.ended === 'released' || this.ended === 'destroyed') {
      throw new LeaseEndedError(this.host.name, this.ended, attempted);
    }
    this.ended = how;
  }
}

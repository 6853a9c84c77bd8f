import type { AcquireOptions } from './poolOptions.js';

/** One resource handed out by a pool, until `release()` or `destroy()`. */
export interface Lease<R> {
  readonly resource: R;
  /** Aborted if the pool takes the resource back (it stopped and the lease outlived its drain). */
  readonly signal: AbortSignal;
  /** Gives the resource back for the next acquirer; a second call throws `LeaseEndedError`. */
  release(): void;
  /** Destroys the resource instead of giving it back (it is broken); the pool makes another as needed. */
  destroy(): void;
  /**
   * Ends the lease after `error` was thrown while using it: destroyed when the pool's `isBroken`
   * says the resource is broken, released otherwise; nothing when the lease has ended already.
   */
  fail(error: unknown): void;
}

/** What a pool holds and has done, for dashboards and alerts. */
export interface PoolStats {
  readonly state: 'idle' | 'running' | 'draining' | 'stopped' | 'failed';
  /** Resources alive: creating, idle, leased, or being destroyed. */
  readonly size: number;
  /** The pool's bounds, as configured: it keeps `min` resources and makes at most `max`. */
  readonly min: number;
  readonly max: number;
  readonly idle: number;
  readonly leased: number;
  /** Resources being created. */
  readonly creating: number;
  /** Acquirers waiting for a resource. */
  readonly waiting: number;
  readonly created: number;
  readonly destroyed: number;
  /** Creates or destroys that ran past their timeout and whose resource was given up. */
  readonly abandoned: number;
  readonly acquires: number;
  readonly acquireTimeouts: number;
  readonly errors: {
    readonly create: number;
    readonly destroy: number;
    readonly validate: number;
    /** Leases whose resource `isBroken` judged broken, or that its holder destroyed. */
    readonly broken: number;
  };
  /** Creates that failed since the last one that succeeded. */
  readonly consecutiveCreateFailures: number;
  /** Leased share of `max`. */
  readonly utilisation: number;
  /** True while at least `saturation` of `max` is leased and acquirers wait. */
  readonly saturated: boolean;
  /** True while at least `saturation` of `max` is leased and acquirers wait, or creates keep failing. */
  readonly degraded: boolean;
  /** Each live resource: its slot, state, age and how often it was leased. */
  readonly resources: readonly {
    readonly slot: string;
    readonly state: string;
    readonly uses: number;
    readonly ageMs: number;
  }[];
}

/** A resource pool, from `warden.pool(name, options)`. */
export interface Pool<R> {
  readonly name: string;
  /** A lease of a free resource: at once if one is idle, else once one is made or given back. */
  acquire(options?: AcquireOptions): Promise<Lease<R>>;
  /**
   * Runs `fn` with a leased resource and gives it back however `fn` ends: returned, thrown (a
   * resource `isBroken` judges broken is destroyed), or aborted by `options.signal`.
   */
  use<T>(
    fn: (resource: R, ctx: { readonly signal: AbortSignal }) => T | Promise<T>,
    options?: AcquireOptions,
  ): Promise<T>;
  readonly stats: PoolStats;
  /** Stops handing out resources, waits up to `timeoutMs` for leases to come back, then destroys every resource. */
  drain(options?: { readonly timeoutMs?: number }): Promise<void>;
}

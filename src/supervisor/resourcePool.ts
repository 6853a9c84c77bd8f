import type { Clock } from '../clock.js';
import { coerceError, InvalidOptionError, PoolClosedError, PoolTimeoutError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { ResolvedWorkerSpec } from './childSpec.js';
import { builtInSpec } from './leafNode.js';
import type { OwnChildrenParent, SupervisionRuntime } from './supervision.js';
import type { Lease, Pool, PoolStats } from '../actors/pool.js';
import type { PoolLease } from '../actors/poolLease.js';
import {
  resolveAcquireOptions,
  resolveDrainTimeout,
  type AcquireOptions,
  type ResolvedPoolOptions,
} from '../actors/poolOptions.js';
import { PoolLender } from './poolLender.js';
import { SlotNode, type SlotHost } from './slotNode.js';
import { poolStats } from './poolStats.js';
import { PoolUpkeep } from './poolUpkeep.js';

/**
 * A resource pool: idle resources handed out last-in first-out and waiters served by priority then
 * arrival (see `PoolLender`), resources made on demand up to `max` and kept down to `min`. Each
 * resource lives in a slot, a supervised child of the pool's supervisor (see `SlotNode`).
 */
export class ResourcePool<R> implements Pool<R>, SlotHost<R> {
  private status: PoolStats['state'] = 'idle';
  private readonly slots = new Set<SlotNode<R>>();
  private readonly lender: PoolLender<R>;
  private seq = 0;
  private lastCreateError: Error | undefined;
  private failure: Error | undefined;
  private readonly upkeep: PoolUpkeep<R>;
  private drained: (() => void) | undefined;
  private draining: Promise<void> | undefined;
  /** Brings the end of the running drain's wait forward to `ms` from now, if that is sooner. */
  private drainWithin: ((ms: number) => void) | undefined;
  /** Drained by its user: it stays closed, even when its supervisor starts (again). */
  private closedForGood = false;
  private readonly counts = {
    created: 0,
    destroyed: 0,
    abandoned: 0,
    acquires: 0,
    acquireTimeouts: 0,
    consecutiveCreateFailures: 0,
  };
  private readonly errorCounts = { create: 0, destroy: 0, validate: 0, broken: 0 };
  private readonly slotSpec: ResolvedWorkerSpec;

  constructor(
    readonly name: string,
    /** The pool supervisor's id: slots are `<id>/<n>`. */
    private readonly id: string,
    readonly options: ResolvedPoolOptions<R>,
    private readonly parent: OwnChildrenParent,
    private readonly runtime: SupervisionRuntime,
  ) {
    // Recreated after a failure (with backoff, within the supervisor's intensity); a resource
    // retired in the normal way is not: the pool makes another when it needs one.
    this.slotSpec = {
      ...builtInSpec(id, 'escalate'),
      restart: 'transient',
      shutdownMs: options.destroyTimeoutMs,
      backoff: options.createBackoff,
    };
    const lender = new PoolLender<R>({
      name,
      options,
      runtime,
      counts: this.counts,
      errorCounts: this.errorCounts,
      running: () => this.status === 'running',
      idled: () => {
        this.upkeep.armReaper();
      },
      leasesEnded: () => this.drained?.(),
    });
    this.lender = lender;
    this.upkeep = new PoolUpkeep<R>({
      clock: runtime.clock,
      options,
      running: () => this.status === 'running',
      size: () => this.slots.size,
      idle: () => lender.idle,
      expired: (slot) => lender.expired(slot),
      takeOut: (slot) => {
        lender.takeOut(slot);
      },
      check: (slot) => {
        lender.check(slot);
      },
    });
  }

  private get clock(): Clock {
    return this.runtime.clock;
  }

  private get logger(): Logger {
    return this.runtime.logger;
  }

  // --- lifecycle, driven by the pool's supervisor -------------------------------------------

  /** The supervisor started (or was revived): make `min` resources. */
  started(): void {
    if (this.closedForGood) return;
    this.status = 'running';
    this.failure = undefined;
    // Slots that ended while the pool was down are forgotten, as its supervisor forgets them.
    for (const slot of this.slots) if (!slot.alive) this.slots.delete(slot);
    this.lender.keepAlive();
    this.ensure();
    this.upkeep.armHealthChecks();
  }

  /** The supervisor gave up (creates kept failing): waiters are told why. */
  failed(error: Error): void {
    this.status = 'failed';
    this.failure = this.lastCreateError ?? error;
    this.rejectWaiters();
    this.upkeep.clear();
  }

  /** Stops handing out resources; waits up to `timeoutMs` for leases to come back, then ends them. */
  drain(options: { readonly timeoutMs?: number } = {}): Promise<void> {
    let timeoutMs: number;
    try {
      timeoutMs = resolveDrainTimeout(options, this.options.drainTimeoutMs);
    } catch (error) {
      return Promise.reject(coerceError(error));
    }
    this.closedForGood = true;
    // One drain at a time: a second call shares the first, and may only shorten its wait.
    if (this.draining !== undefined) {
      this.drainWithin?.(timeoutMs);
      return this.draining;
    }
    this.draining = this.drainNow(timeoutMs).finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainNow(timeoutMs: number): Promise<void> {
    if (this.status === 'running' || this.status === 'idle') this.status = 'draining';
    this.rejectWaiters();
    this.upkeep.clear();
    if (this.lender.leased > 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        let deadline = this.clock.now() + timeoutMs;
        const end = (): void => {
          this.clock.clearTimeout(timer);
          this.drained = undefined;
          this.drainWithin = undefined;
          resolve();
        };
        let timer = this.clock.setTimeout(end, timeoutMs);
        this.drained = end;
        this.drainWithin = (ms) => {
          if (this.clock.now() + ms >= deadline) return;
          deadline = this.clock.now() + ms;
          this.clock.clearTimeout(timer);
          timer = this.clock.setTimeout(end, ms);
        };
      });
    }
    // Newest first; each stop takes back the lease of its slot, aborting the holder's signal.
    for (const slot of [...this.slots].reverse()) await slot.stop();
    this.status = 'stopped';
  }

  // --- acquiring -----------------------------------------------------------------------------

  acquire(options?: AcquireOptions): Promise<Lease<R>> {
    return this.take(options);
  }

  private take(options?: AcquireOptions): Promise<PoolLease<R>> {
    if (this.status !== 'running') {
      return Promise.reject(
        new PoolClosedError(this.name, this.status === 'idle' ? 'not started' : this.status, {
          cause: this.failure,
        }),
      );
    }
    let priority = 0;
    let timeoutMs = this.options.acquireTimeoutMs;
    let signal: AbortSignal | null = null;
    if (options !== undefined) {
      try {
        ({ priority, timeoutMs, signal } = resolveAcquireOptions(
          options,
          this.options.acquireTimeoutMs,
        ));
      } catch (error) {
        return Promise.reject(coerceError(error));
      }
      if (signal?.aborted === true) return Promise.reject(coerceError(signal.reason));
    }
    const lender = this.lender;
    if (lender.waiting === 0 && !this.options.validateOnBorrow) {
      const slot = lender.takeIdle();
      if (slot !== undefined) return Promise.resolve(lender.lease(slot));
    }
    const lease = lender.wait(priority, timeoutMs, signal ?? undefined, () => {
      this.counts.acquireTimeouts++;
      const { size, leased } = this.stats;
      return new PoolTimeoutError(
        this.name,
        timeoutMs,
        { size, leased, waiting: lender.waiting },
        { cause: this.lastCreateError },
      );
    });
    this.ensure();
    return lease;
  }

  async use<T>(
    fn: (resource: R, ctx: { readonly signal: AbortSignal }) => T | Promise<T>,
    options?: AcquireOptions,
  ): Promise<T> {
    if (typeof fn !== 'function') throw new InvalidOptionError('fn', 'a function', fn);
    const lease = await this.take(options);
    const signal = options?.signal;
    if (signal?.aborted === true) {
      lease.release(); // aborted while the resource was on its way
      throw coerceError(signal.reason);
    }
    try {
      // Aborted by the caller, or when the resource is lost under the work.
      const both = signal === undefined ? lease.signal : AbortSignal.any([signal, lease.signal]);
      const value = await fn(lease.resource, { signal: both });
      if (lease.ended === undefined) lease.release();
      return value;
    } catch (error) {
      lease.fail(error);
      throw error;
    }
  }

  private rejectWaiters(): void {
    this.lender.rejectAll(new PoolClosedError(this.name, this.status, { cause: this.failure }));
  }

  // --- slots ---------------------------------------------------------------------------------

  slotReady(slot: SlotNode<R>): void {
    this.counts.created++;
    this.counts.consecutiveCreateFailures = 0;
    this.lender.makeIdle(slot);
  }

  lost(slot: SlotNode<R>, error: Error): void {
    this.lender.lost(slot, error);
  }

  running(): boolean {
    return this.status === 'running';
  }

  slotStopping(slot: SlotNode<R>): void {
    this.lender.slotStopping(slot);
  }

  slotGone(slot: SlotNode<R>, error: Error | undefined): void {
    this.lender.takeOut(slot);
    if (slot.createdAt > 0) this.counts.destroyed++; // it had a resource
    // A slot that failed is recreated by its supervisor; one that ended normally is gone.
    if (error === undefined) this.slots.delete(slot);
    this.ensure();
  }

  operationFailed(operation: 'create' | 'destroy', error: Error): void {
    this.errorCounts[operation]++;
    if (error instanceof Error && (error as { code?: unknown }).code === 'POOL_OPERATION_TIMEOUT') {
      this.counts.abandoned++;
    }
    if (operation === 'create') {
      this.lastCreateError = error;
      this.counts.consecutiveCreateFailures++;
    }
    this.logger.warn({ err: error, pool: this.name }, `a pool resource's ${operation} failed`);
    this.runtime.recordError?.({ source: 'pool', subject: this.name, kind: operation, error });
  }

  /** Makes slots until there are `min`, and enough for the waiters, never more than `max`. */
  private ensure(): void {
    if (this.status !== 'running') return;
    // A supervisor that is failing (or stopping) stops its slots: none is made meanwhile.
    if (this.parent.state !== 'running' && this.parent.state !== 'starting') return;
    // Slots that will have a resource soon: creating, or failed and waiting to be recreated.
    let creating = 0;
    for (const slot of this.slots) {
      if (slot.slot === 'creating' || slot.slot === 'destroyed' || !slot.alive) creating++;
    }
    creating += this.lender.checking;
    while (
      this.slots.size < this.options.max &&
      (this.slots.size < this.options.min || this.lender.waiting > creating)
    ) {
      this.spawn();
      creating++;
    }
  }

  private spawn(): void {
    const id = `${this.id}/${++this.seq}`;
    const slot = new SlotNode<R>(id, { ...this.slotSpec, id }, this, this.parent, this.runtime);
    this.slots.add(slot);
    this.parent.addStartedChild(slot); // created side by side, each started at once
  }

  get stats(): PoolStats {
    return poolStats({
      state: this.status,
      options: this.options,
      slots: this.slots,
      waiting: this.lender.waiting,
      counts: this.counts,
      errors: this.errorCounts,
      now: this.clock.now(),
    });
  }
}

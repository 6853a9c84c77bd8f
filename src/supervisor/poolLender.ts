import { ShutdownError } from '../errors.js';
import { PoolLease, type LeaseHost } from '../actors/poolLease.js';
import type { ResolvedPoolOptions } from '../actors/poolOptions.js';
import { WaitQueue } from '../actors/poolWaiters.js';
import { boundedOperation, type SlotNode } from './slotNode.js';
import type { SupervisionRuntime } from './supervision.js';

/** What a lender reads from its pool, and tells it. */
export interface LenderHost<R> {
  readonly name: string;
  readonly options: ResolvedPoolOptions<R>;
  readonly runtime: SupervisionRuntime;
  /** The pool's counters: the lender counts acquires, failed checks and broken resources. */
  readonly counts: { acquires: number };
  readonly errorCounts: { validate: number; broken: number };
  /** False once the pool drains, stops or has been given up: nothing is handed out then. */
  running(): boolean;
  /** A resource went idle: the eviction timer may be due sooner. */
  idled(): void;
  /** No lease is out any more: a drain waiting for them may end. */
  leasesEnded(): void;
}

/**
 * Lends a pool's idle resources, the most recently used first: at once to an acquirer when nobody
 * waits, else to the waiters by priority then arrival, each resource checked first under
 * `validateOnBorrow`. It holds the leases out and takes each back.
 */
export class PoolLender<R> implements LeaseHost<R, SlotNode<R>> {
  private idleSlots: SlotNode<R>[] = [];
  private readonly queue: WaitQueue<R>;
  private readonly leases = new Set<PoolLease<R, SlotNode<R>>>();
  /** Checks under way for waiters (validateOnBorrow). */
  private checks = 0;

  constructor(private readonly host: LenderHost<R>) {
    this.queue = new WaitQueue<R>(host.runtime.clock);
  }

  get name(): string {
    return this.host.name;
  }

  /** The idle slots, the next to be handed out last. */
  get idle(): readonly SlotNode<R>[] {
    return this.idleSlots;
  }

  /** Acquirers waiting for a resource. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resources being checked for a waiter. */
  get checking(): number {
    return this.checks;
  }

  /** Leases out. */
  get leased(): number {
    return this.leases.size;
  }

  /** Waits in line for a resource (as `WaitQueue.wait`), then hands out what is idle. */
  wait(...request: Parameters<WaitQueue<R>['wait']>): Promise<PoolLease<R>> {
    const lease = this.queue.wait(...request);
    this.dispatch();
    return lease;
  }

  /** Rejects every waiter with `error`. */
  rejectAll(error: Error): void {
    this.queue.rejectAll(error);
  }

  /** Forgets idle slots that ended (while the pool was down). */
  keepAlive(): void {
    this.idleSlots = this.idleSlots.filter((slot) => slot.alive);
  }

  /** Takes a slot out of the idle list. */
  takeOut(slot: SlotNode<R>): void {
    this.idleSlots = this.idleSlots.filter((candidate) => candidate !== slot);
  }

  isBroken(error: Error, resource: R): boolean {
    const predicate = this.host.options.isBroken;
    if (predicate === null) return false;
    try {
      return predicate(error, resource);
    } catch (thrown) {
      this.host.runtime.logger.error(
        { err: thrown, pool: this.name },
        'isBroken() threw; the resource is kept',
      );
      return false;
    }
  }

  /** An idle resource that may still be handed out, most recently used first. */
  takeIdle(): SlotNode<R> | undefined {
    for (;;) {
      const slot = this.idleSlots.pop();
      if (slot === undefined) return undefined;
      if (slot.slot === 'idle' && !this.expired(slot)) return slot;
      if (slot.slot === 'idle') slot.retire();
    }
  }

  /** Used up or too old. */
  expired(slot: SlotNode<R>): boolean {
    const { maxAgeMs, maxUses } = this.host.options;
    if (maxUses !== null && slot.uses >= maxUses) return true;
    return maxAgeMs !== null && this.host.runtime.clock.now() - slot.createdAt >= maxAgeMs;
  }

  lease(slot: SlotNode<R>, event: 'LEASE' | 'VALID_LEASE' = 'LEASE'): PoolLease<R, SlotNode<R>> {
    slot.move(event);
    slot.uses++;
    this.host.counts.acquires++;
    const lease = new PoolLease(this, slot, slot.resource as R);
    this.leases.add(lease);
    return lease;
  }

  /** Hands idle resources to waiters, best waiter first. */
  private dispatch(): void {
    while (this.queue.length > 0 && this.host.running()) {
      if (this.host.options.validateOnBorrow) {
        // One check per waiter: a resource that passes goes to the best waiter then.
        if (this.checks >= this.queue.length) return;
        const slot = this.takeIdle();
        if (slot === undefined) return;
        this.validateFor(slot);
        continue;
      }
      const slot = this.takeIdle();
      if (slot === undefined) return;
      const waiter = this.queue.shift();
      if (waiter === undefined) return;
      waiter.resolve(this.lease(slot));
    }
  }

  /** Checks a resource before handing it to the best waiter; a failed check destroys it. */
  private validateFor(slot: SlotNode<R>): void {
    slot.move('VALIDATE');
    this.checks++;
    this.validate(slot).then(
      (valid) => {
        this.checks--;
        if (slot.slot !== 'validating') return; // a stop took it meanwhile
        const waiter = valid ? this.queue.shift() : undefined;
        if (!valid) {
          slot.retire();
          this.dispatch();
          return;
        }
        if (waiter === undefined) {
          slot.move('VALID');
          this.idleSlots.push(slot);
          return;
        }
        waiter.resolve(this.lease(slot, 'VALID_LEASE'));
      },
      () => undefined,
    );
  }

  /** The health check of an idle resource taken out of the idle list: idle again, or destroyed. */
  check(slot: SlotNode<R>): void {
    slot.move('VALIDATE');
    void this.validate(slot).then((valid) => {
      if (slot.slot !== 'validating') return;
      if (!valid) {
        slot.retire(); // destroyed; `ensure` keeps `min`
        return;
      }
      slot.move('VALID');
      this.makeIdle(slot, false); // a check is no use: its idle time runs on
    });
  }

  private async validate(slot: SlotNode<R>): Promise<boolean> {
    const { options, runtime } = this.host;
    const check = options.validate;
    if (check === null) return true;
    const resource = slot.resource as R;
    try {
      const verdict: unknown = await boundedOperation(
        runtime,
        this.name,
        'validate',
        options.validateTimeoutMs,
        (ctx) => check(resource, ctx),
      );
      if (verdict !== false) return true;
      runtime.recordError?.({ source: 'pool', subject: this.name, kind: 'validate', error: null });
    } catch (error) {
      runtime.logger.warn(
        { err: error, pool: this.name, slot: slot.id },
        'a resource failed its check',
      );
      runtime.recordError?.({ source: 'pool', subject: this.name, kind: 'validate', error });
    }
    this.host.errorCounts.validate++;
    return false;
  }

  /** A resource is free: handed to a waiter or kept idle, unless the pool stopped or it expired. */
  makeIdle(slot: SlotNode<R>, used = true): void {
    if (!this.host.running()) {
      slot.retire();
      return;
    }
    if (this.expired(slot)) {
      slot.retire();
      return;
    }
    if (used) slot.idleSince = this.host.runtime.clock.now();
    this.idleSlots.push(slot);
    this.dispatch();
    this.host.idled();
  }

  returned(lease: PoolLease<R, SlotNode<R>>, destroy: boolean): void {
    this.leases.delete(lease);
    const { slot } = lease;
    if (destroy) {
      this.host.errorCounts.broken++;
      slot.retire();
    } else if (this.expired(slot) || !this.host.running()) {
      slot.retire();
    }
    if (slot.retiring) {
      slot.released(); // destroyed now; the pool makes another if it needs one
    } else {
      slot.move('RELEASE');
      this.makeIdle(slot);
    }
    if (this.leases.size === 0) this.host.leasesEnded();
  }

  /** Destroys and replaces a resource that died on its own (its process was killed, say). */
  lost(slot: SlotNode<R>, error: Error): void {
    if (slot.slot === 'destroying' || slot.slot === 'destroyed' || slot.slot === 'creating') return;
    this.host.errorCounts.broken++;
    this.takeOut(slot);
    slot.retire(this.host.running() ? error : undefined); // abnormal: it is recreated
    for (const lease of this.leases) {
      if (lease.slot !== slot) continue;
      this.leases.delete(lease);
      lease.revoke(error); // the holder's signal aborts
      slot.released();
    }
    if (this.leases.size === 0) this.host.leasesEnded();
  }

  /** The slot is being stopped: its lease is taken back from its holder. */
  slotStopping(slot: SlotNode<R>): void {
    this.takeOut(slot);
    for (const lease of this.leases) {
      if (lease.slot !== slot) continue;
      this.leases.delete(lease);
      lease.revoke(new ShutdownError(`pool ${this.name} took this lease back: it is stopping`));
    }
    if (this.leases.size === 0) this.host.leasesEnded();
  }
}

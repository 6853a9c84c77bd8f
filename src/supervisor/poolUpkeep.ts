import type { Clock, TimerHandle } from '../clock.js';
import type { ResolvedPoolOptions } from '../actors/poolOptions.js';
import type { SlotNode } from './slotNode.js';

/** What the timers of a pool's upkeep read and do. */
export interface UpkeepHost<R> {
  readonly clock: Clock;
  readonly options: ResolvedPoolOptions<R>;
  running(): boolean;
  /** Slots alive. */
  size(): number;
  idle(): readonly SlotNode<R>[];
  /** Used up or too old. */
  expired(slot: SlotNode<R>): boolean;
  /** Takes an idle slot out of the idle list. */
  takeOut(slot: SlotNode<R>): void;
  /** Checks a slot taken out of the idle list: back to idle, or destroyed. */
  check(slot: SlotNode<R>): void;
}

/**
 * A pool's timers: one for idle eviction and age (armed for the earliest due idle resource, not
 * one per resource), and the periodic health checks of idle resources. Both go through the
 * injected clock and never keep the process alive.
 */
export class PoolUpkeep<R> {
  private reaper: { timer: TimerHandle; at: number } | undefined;
  private healthTimer: TimerHandle | undefined;

  constructor(private readonly host: UpkeepHost<R>) {}

  /** Arms the eviction timer for the earliest idle resource that may have to go. */
  armReaper(): void {
    const { options, clock } = this.host;
    if (this.host.size() <= options.min && options.maxAgeMs === null) return;
    let due = Number.POSITIVE_INFINITY;
    for (const slot of this.host.idle()) {
      due = Math.min(due, slot.idleSince + options.idleTimeoutMs);
      if (options.maxAgeMs !== null) due = Math.min(due, slot.createdAt + options.maxAgeMs);
    }
    if (due === Number.POSITIVE_INFINITY) return;
    if (this.reaper !== undefined && this.reaper.at <= due) return;
    if (this.reaper !== undefined) clock.clearTimeout(this.reaper.timer);
    const timer = clock.setTimeout(
      () => {
        this.reaper = undefined;
        this.reap();
      },
      Math.max(0, due - clock.now()),
    );
    this.reaper = { timer, at: due };
  }

  /** Retires idle resources past their idle time (down to `min`) or their age. */
  private reap(): void {
    const { options } = this.host;
    const now = this.host.clock.now();
    let kept = this.host.size();
    for (const slot of [...this.host.idle()]) {
      const idleTooLong = now - slot.idleSince >= options.idleTimeoutMs;
      if (this.host.expired(slot) || (idleTooLong && kept > options.min)) {
        this.host.takeOut(slot);
        slot.retire();
        kept--;
      }
    }
    this.armReaper();
  }

  /** Arms the next round of health checks, if the pool has them. */
  armHealthChecks(): void {
    const every = this.host.options.healthCheckIntervalMs;
    if (every === null || this.healthTimer !== undefined) return;
    this.healthTimer = this.host.clock.setTimeout(() => {
      this.healthTimer = undefined;
      if (!this.host.running()) return;
      for (const slot of [...this.host.idle()]) {
        this.host.takeOut(slot);
        this.host.check(slot);
      }
      this.armHealthChecks();
    }, every);
  }

  clear(): void {
    if (this.reaper !== undefined) this.host.clock.clearTimeout(this.reaper.timer);
    this.reaper = undefined;
    if (this.healthTimer !== undefined) this.host.clock.clearTimeout(this.healthTimer);
    this.healthTimer = undefined;
  }
}

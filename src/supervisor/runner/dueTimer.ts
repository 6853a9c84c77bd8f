import type { Clock, TimerHandle } from '../../clock.js';
import { maxTimerMs } from '../../actors/jobDefinition.js';

/** One timer for the earliest due time of any scheduled or retrying job. */
export class DueTimer {
  /** The earliest due time known; undefined when nothing waits. */
  next: number | undefined;
  private timer: { handle: TimerHandle; at: number } | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly fire: () => void,
  ) {}

  /** True when a due job may be waiting now. */
  due(now: number): boolean {
    return this.next !== undefined && this.next <= now;
  }

  /** Arms the timer for `next` (or clears it when nothing waits). */
  arm(): void {
    const at = this.next;
    if (at === undefined) {
      this.clear();
      return;
    }
    if (this.timer !== undefined && this.timer.at === at) return;
    this.clear();
    this.timer = {
      at,
      // Node fires a longer timer at once, so a far-off due time is reached in capped steps.
      handle: this.clock.setTimeout(
        () => {
          this.timer = undefined;
          // A capped step short of the due time: take the next step.
          if (this.next !== undefined && this.clock.now() < this.next) this.arm();
          else this.fire();
        },
        Math.max(0, Math.min(at - this.clock.now(), maxTimerMs)),
      ),
    };
  }

  clear(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
  }
}

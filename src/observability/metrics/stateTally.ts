import type { MachineStates } from './machineStates.js';

/** One state's figures at a moment: members in it now, and the seconds they have spent there. */
export interface StateFigures {
  readonly state: string;
  readonly count: number;
  readonly seconds: number;
}

/**
 * Time spent in each state of one machine by all its members (jobs, slots, actors...), without a
 * record per member: per state it keeps the count of members in it and `sum`, the sum of leave
 * times minus the sum of entry times. The milliseconds spent there, up to `now`, are then
 * `sum + count × now`: a member still inside adds `now − entered`, one that left `left − entered`.
 * Entering a final state ends a member's time (it is not counted there).
 */
export class StateTally {
  private readonly count = new Map<string, number>();
  private readonly sum = new Map<string, number>();
  /** The latest time recorded: an earlier one (a clock stepped back) is taken as this. */
  private last = Number.NEGATIVE_INFINITY;

  constructor(readonly states: MachineStates) {
    for (const state of states.all) {
      this.count.set(state, 0);
      this.sum.set(state, 0);
    }
  }

  /** `n` members entered `state` at `at` (ignored for a state the machine does not have). */
  enter(state: string, at: number, n = 1): void {
    if (!this.count.has(state) || this.states.final.has(state) || n === 0) return;
    const t = this.time(at);
    this.count.set(state, (this.count.get(state) ?? 0) + n);
    this.sum.set(state, (this.sum.get(state) ?? 0) - n * t);
  }

  /** `n` members left `state` at `at`; never more than are in it. */
  leave(state: string, at: number, n = 1): void {
    const inside = this.count.get(state);
    if (inside === undefined || inside === 0 || n === 0) return;
    const out = Math.min(n, inside);
    const t = this.time(at);
    this.count.set(state, inside - out);
    this.sum.set(state, (this.sum.get(state) ?? 0) + out * t);
  }

  /** A member moved from `from` (undefined: it is new) to `to` at `at`. */
  move(from: string | undefined, to: string | undefined, at: number): void {
    if (from === to) return;
    if (from !== undefined) this.leave(from, at);
    if (to !== undefined) this.enter(to, at);
  }

  /** Every state's count and seconds up to `now`, in the machine's order, 0 for empty ones. */
  figures(now: number): StateFigures[] {
    const t = this.time(now);
    return this.states.all.map((state) => {
      const count = this.count.get(state) ?? 0;
      const ms = (this.sum.get(state) ?? 0) + count * t;
      return { state, count, seconds: Math.max(0, ms) / 1000 };
    });
  }

  private time(at: number): number {
    if (at > this.last) this.last = at;
    return this.last;
  }
}

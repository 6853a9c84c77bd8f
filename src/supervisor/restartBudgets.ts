import {
  tryRestart,
  windowFromHistory,
  type IntensityWindow,
} from '../policies/restartIntensity.js';
import type { IntensityOptions } from '../policies/restartIntensity.js';
import type { SupervisionRuntime } from './supervision.js';

/**
 * A supervisor's restart windows: one shared by its children, as in OTP, and one more for each
 * child that has a budget of its own (the root gives one to every user tree, so a user's crash
 * loop spends nothing of the budget guarding the job runner). A window is read from the recorded
 * history the first time it is needed, so neither a process restart nor a restart of the
 * supervisor gives a crash loop a fresh budget.
 */
export class RestartBudgets {
  private readonly windows = new Map<string, IntensityWindow>();

  constructor(
    private readonly supervisorId: string,
    private readonly intensity: IntensityOptions,
    private readonly runtime: SupervisionRuntime,
    /** Whether the child with this id has a budget of its own; none has when undefined. */
    private readonly ownBudget: ((childId: string) => boolean) | undefined,
    /** The ids of the current children, for the shared window's history. */
    private readonly childIds: () => readonly string[],
  ) {}

  /** Records a restart of `childId` at `now` if its budget allows one more; false when spent. */
  tryRestart(childId: string, now: number): boolean {
    const key = this.keyOf(childId);
    const verdict = tryRestart(this.windowOf(key, now), this.intensity, now);
    this.windows.set(key, verdict.window);
    return verdict.allowed;
  }

  /** The restarts now in `childId`'s window, for its backoff. */
  restartsInWindow(childId: string): number {
    return this.windows.get(this.keyOf(childId))?.restarts.length ?? 0;
  }

  /** Forgets every window (the supervisor starts again): each is read from the history anew. */
  reset(): void {
    this.windows.clear();
  }

  /** Forgets the own window of a child that left the tree. */
  forget(childId: string): void {
    if (this.keyOf(childId) === childId) this.windows.delete(childId);
  }

  private keyOf(childId: string): string {
    return this.ownBudget?.(childId) === true ? childId : this.supervisorId;
  }

  private windowOf(key: string, now: number): IntensityWindow {
    const known = this.windows.get(key);
    if (known !== undefined) return known;
    const since = now - this.intensity.withinMs;
    let times: number[];
    try {
      times =
        key !== this.supervisorId
          ? this.restartsOf(key, since)
          : this.ownBudget === undefined
            ? this.runtime.store.restartTimes(this.supervisorId, since)
            : this.childIds()
                .filter((id) => this.keyOf(id) === key)
                .flatMap((id) => this.restartsOf(id, since));
    } catch (error) {
      // Without its history the window starts empty; supervision goes on from memory.
      this.runtime.logger.error({ err: error }, 'the restart history could not be read');
      times = [];
    }
    return windowFromHistory(times, this.intensity, now);
  }

  /** When this supervisor restarted `childId` since `since`, from the newest records of that child. */
  private restartsOf(childId: string, since: number): number[] {
    // A restart takes at least three records (exited, restarting, started): read enough of them.
    const limit = Math.min(10_000, 8 * (this.intensity.maxRestarts + 2));
    return this.runtime.store
      .actorHistory(childId, limit)
      .filter(
        (entry) =>
          entry.kind === 'restarting' &&
          entry.supervisorId === this.supervisorId &&
          entry.at >= since,
      )
      .map((entry) => entry.at);
  }
}

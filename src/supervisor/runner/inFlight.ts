import type { JobRun } from '../../actors/jobRun.js';
import type { Clock } from '../../clock.js';
import type { StateObserver } from '../../observability/metrics/stateObserver.js';

/** The runs of jobs running in this process, by id and counted per type. */
export class InFlight {
  private readonly runs = new Map<string, JobRun>();
  private readonly byType = new Map<string, number>();
  /** Called when the last run leaves (a graceful stop waits for it). */
  onEmpty: (() => void) | undefined;

  /** `states` is told as runs begin (`running.attempt`) and end. */
  constructor(private readonly states?: StateObserver) {}

  get size(): number {
    return this.runs.size;
  }

  get(id: string): JobRun | undefined {
    return this.runs.get(id);
  }

  /** Runs of `type` in flight. */
  of(type: string): number {
    return this.byType.get(type) ?? 0;
  }

  /** Counts a run as in flight; `delete` undoes it. */
  add(run: JobRun): JobRun {
    this.runs.set(run.id, run);
    this.byType.set(run.type, this.of(run.type) + 1);
    this.states?.moved('job', undefined, 'running.attempt');
    return run;
  }

  /** False when `run` was not (or no longer) in flight. */
  delete(run: JobRun): boolean {
    if (this.runs.get(run.id) !== run) return false;
    this.runs.delete(run.id);
    this.byType.set(run.type, this.of(run.type) - 1);
    this.states?.moved('job', run.fellBack ? 'running.fallback' : 'running.attempt', undefined);
    if (this.runs.size === 0) this.onEmpty?.();
    return true;
  }

  /** Resolves once no run is in flight, or after `graceMs`, whichever comes first. */
  async emptied(clock: Clock, graceMs: number): Promise<void> {
    if (this.runs.size === 0 || graceMs <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = clock.setTimeout(() => {
        this.onEmpty = undefined;
        resolve();
      }, graceMs);
      this.onEmpty = () => {
        this.onEmpty = undefined;
        clock.clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Every run in flight now. */
  all(): JobRun[] {
    return [...this.runs.values()];
  }
}

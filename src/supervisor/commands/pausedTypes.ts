import type { Clock } from '../../clock.js';
import type { WardenEvent } from '../../events/types.js';
import type { OperatorStore, PausedTypeRecord } from '../../persistence/Store.js';

/** What pausing needs of the job runner. */
export interface PauseRunner {
  /** Gives claimed, unstarted jobs of `type` back to the queue. */
  paused(type: string): void;
  /** Claims again, at once. */
  poke(): void;
}

/**
 * The paused job types: kept in `paused_types` (so a pause survives restarts) and, for the
 * runner's claims, in memory (`set`), which no claim has to query.
 */
export class PausedTypes {
  /** The paused types, read by the runner at every claim. */
  readonly set = new Set<string>();

  constructor(
    private readonly store: OperatorStore,
    private readonly clock: Clock,
    private readonly runner: PauseRunner,
    private readonly emit: (event: WardenEvent) => void,
  ) {}

  /** Reads the paused types from the file, as it is opened (before any claim). */
  load(): void {
    this.set.clear();
    for (const record of this.store.pausedTypes()) this.set.add(record.type);
  }

  /**
   * Pauses `type`: committed, then its claimed, unstarted jobs go back to `queued` and running
   * ones finish. Returns false (and emits nothing) when it was paused already.
   */
  pause(type: string, by: string): boolean {
    const at = this.clock.now();
    const changed = this.store.pauseType(type, at, by);
    this.set.add(type);
    this.runner.paused(type);
    if (changed) this.emit({ type: 'jobType.paused', jobType: type, at, by });
    return changed;
  }

  /** Resumes `type`: its jobs are claimable at once. False when it was not paused. */
  resume(type: string, by: string): boolean {
    const at = this.clock.now();
    const changed = this.store.resumeType(type);
    this.set.delete(type);
    this.runner.poke();
    if (changed) this.emit({ type: 'jobType.resumed', jobType: type, at, by });
    return changed;
  }

  list(): PausedTypeRecord[] {
    return this.store.pausedTypes();
  }
}

import type { Clock } from '../../clock.js';
import type { BatchStep, StepResult } from '../../persistence/Store.js';
import { recordJobBatch } from './jobBatchStates.js';
import { builtInStates, machineNames, type MachineName } from './machineStates.js';
import type { StateObserver } from './stateObserver.js';
import { StateTally, type StateFigures } from './stateTally.js';

export type { StateObserver } from './stateObserver.js';

/** The time-in-state tally of every built-in machine, on the injected clock. */
export class StateTimes implements StateObserver {
  private readonly tallies: Record<MachineName, StateTally>;

  constructor(private readonly clock: Pick<Clock, 'now'>) {
    this.tallies = Object.fromEntries(
      machineNames.map((name) => [name, new StateTally(builtInStates[name])]),
    ) as Record<MachineName, StateTally>;
  }

  moved(machine: MachineName, from: string | undefined, to: string | undefined): void {
    this.tallies[machine].move(from, to, this.clock.now());
  }

  /** The job status changes of a committed group commit. */
  committed(steps: readonly BatchStep[], results: readonly StepResult[]): void {
    recordJobBatch(this, steps, results);
  }

  /** `n` members of `machine` entered (n > 0) or left (n < 0) `state`, now. */
  shift(machine: MachineName, state: string, n: number): void {
    const tally = this.tallies[machine];
    const now = this.clock.now();
    if (n > 0) tally.enter(state, now, n);
    else if (n < 0) tally.leave(state, now, -n);
  }

  /**
   * Sets the counts of `machine` to `counts` (states left out count 0), as members that entered
   * or left now: for members whose changes were not seen (created, removed, or there at start).
   */
  reconcile(machine: MachineName, counts: ReadonlyMap<string, number>): void {
    const now = this.clock.now();
    for (const { state, count } of this.tallies[machine].figures(now)) {
      this.shift(machine, state, (counts.get(state) ?? 0) - count);
    }
  }

  /** Every state of `machine`, with its members now and the seconds spent there. */
  figures(machine: MachineName): StateFigures[] {
    return this.tallies[machine].figures(this.clock.now());
  }
}

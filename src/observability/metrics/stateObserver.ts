import type { MachineName } from './machineStates.js';

/** What the runtime tells the metrics as its members change state. */
export interface StateObserver {
  /** A member of `machine` moved from `from` (undefined: it is new) to `to` (undefined: it is gone), now. */
  moved(machine: MachineName, from: string | undefined, to: string | undefined): void;
}

import { WardenError } from './wardenError.js';

/** Why a `./file.js#export` spec did not give a machine. */
export type MachineLoadFailure =
  'bad-spec' | 'not-found' | 'import-failed' | 'no-export' | 'not-a-machine';

/** A `./file.js#export` spec that names no file, no export, or a value that is no XState machine. */
export class MachineLoadError extends WardenError {
  declare readonly code: 'MACHINE_LOAD_FAILED';
  constructor(
    /** The spec as given. */
    readonly spec: string,
    readonly reason: MachineLoadFailure,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('MACHINE_LOAD_FAILED', `cannot load a machine from \`${spec}\`: ${detail}`, options);
  }
}

/** The operators' part of the store: paused job types and commands from other processes. */

/** A job type paused with `pauseJobType`: its jobs are not claimed until it is resumed. */
export interface PausedTypeRecord {
  readonly type: string;
  readonly pausedAt: number;
  /** Who paused it: `api`, or the issuer of the command that did. */
  readonly pausedBy: string;
}

/** Where a command stands: `pending` (taken by the owner once `doneBy` is set), `done`, `failed`. */
export type CommandStatus = 'pending' | 'done' | 'failed';

/** A command for the file's owner to carry out, as its issuer writes it. */
export interface NewCommand {
  readonly kind: string;
  readonly target: string;
  readonly args?: unknown;
  readonly issuedAt: number;
  readonly issuedBy: string;
}

/** A command as stored, with its outcome once the owner has carried it out. */
export interface CommandRecord {
  readonly id: string;
  readonly kind: string;
  readonly target: string;
  readonly args: unknown;
  readonly issuedAt: number;
  readonly issuedBy: string;
  readonly status: CommandStatus;
  /** What it did (done), or the serialized error it failed with (failed). */
  readonly result: unknown;
  readonly doneAt: number | null;
  /** The token of the owner that took it (or the issuer that withdrew it). */
  readonly doneBy: string | null;
}

/** Paused job types and the commands other processes issue, as the file's owner keeps them. */
export interface OperatorStore {
  /** Pauses a type; false when it was paused already. */
  pauseType(type: string, at: number, by: string): boolean;
  /** Resumes a type; false when it was not paused. */
  resumeType(type: string): boolean;
  pausedTypes(): PausedTypeRecord[];
  /** The oldest pending commands (taken or not), at most `limit`. */
  pendingCommands(limit: number): CommandRecord[];
  /** Takes a pending command for `token`; false when it is no longer pending or is ours already. */
  takeCommand(id: string, token: string): Promise<boolean>;
  /** Marks a command `token` took as done or failed; false when it was not ours to finish. */
  finishCommand(
    id: string,
    token: string,
    status: 'done' | 'failed',
    resultJson: string,
    at: number,
  ): Promise<boolean>;
}

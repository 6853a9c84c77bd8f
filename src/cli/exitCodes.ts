import { CommanderError } from 'commander';
import { MachineLoadError, WardenError } from '../errors.js';
import { DatabaseMissingError } from './database.js';

/** The `warden` command's exit codes; docs/cli.md lists them too. */
export const exitCodes = {
  /** Done; for `health`, healthy (or degraded without `--strict`). */
  ok: 0,
  /** The operation failed: the owner refused a command, say. */
  failed: 1,
  /** Bad arguments or option values: nothing was read or done. */
  usage: 2,
  /** `health`: the owner reports unhealthy. */
  unhealthy: 3,
  /** `health --strict`: the owner reports degraded. */
  degraded: 4,
  /** `health`: no live process owns the file, or its snapshot is older than `--max-age`. */
  noOwner: 5,
  /** The job, actor or machine named does not exist. */
  notFound: 6,
  /** The owner did not carry out a command within `--timeout`. */
  timeout: 7,
  /** The database file does not exist. */
  missingDatabase: 8,
  /** The file is not a Warden database (another application's, not SQLite, or damaged). */
  foreignDatabase: 9,
  /** The file was written by a newer Warden than this CLI. */
  schemaTooNew: 10,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** The exit code for an error that ended a command. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CommanderError) return exitCodes.usage;
  if (error instanceof DatabaseMissingError) return exitCodes.missingDatabase;
  if (!WardenError.is(error)) return exitCodes.failed;
  switch (error.code) {
    case 'INVALID_OPTION':
    case 'INVALID_PAYLOAD':
      return exitCodes.usage;
    case 'NOT_A_WARDEN_DATABASE':
    case 'DATABASE_CORRUPT':
      return exitCodes.foreignDatabase;
    case 'SCHEMA_TOO_NEW':
      return exitCodes.schemaTooNew;
    case 'JOB_NOT_FOUND':
    case 'ACTOR_NOT_FOUND':
    case 'UNKNOWN_JOB_TYPE':
      return exitCodes.notFound;
    case 'MACHINE_LOAD_FAILED':
      return error instanceof MachineLoadError ? machineLoadExit(error) : exitCodes.failed;
    case 'COMMAND_TIMEOUT':
      return exitCodes.timeout;
    case 'NOT_RUNNING':
      // An actor command with no live owner: only the process that runs an actor can restart it.
      return exitCodes.noOwner;
    default:
      return exitCodes.failed;
  }
}

/** A machine that could not be loaded: not found (6), a spec that names nothing (2), else 1. */
function machineLoadExit(error: MachineLoadError): ExitCode {
  if (error.reason === 'not-found' || error.reason === 'no-export') return exitCodes.notFound;
  return error.reason === 'bad-spec' ? exitCodes.usage : exitCodes.failed;
}

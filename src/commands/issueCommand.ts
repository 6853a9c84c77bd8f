import { hostname } from 'node:os';
import { holdProcessOpen, realClock } from '../clock.js';
import {
  InternalError,
  InvalidOptionError,
  NotRunningError,
  type SerializedError,
} from '../errors.js';
import { checkFunction, checkInteger, checkOptions, checkString, keysOf } from '../options.js';
import type { CommandRecord } from '../persistence/Store.js';
import { fromWire } from '../persistence/sqlite/wireErrors.js';
import {
  commandKinds,
  isCommandKind,
  type CommandKind,
  type CommandResult,
} from '../supervisor/commands/commandKinds.js';
import { awaitCommands, type CommandProgress } from './awaitCommands.js';
import { CommandFile } from './commandFile.js';
import { drainDirectly } from './directDrain.js';

/** A command for the process that owns a Warden file. */
export interface CommandRequest {
  readonly kind: CommandKind;
  /** A job id (`job.*`), a job type (`type.*`) or an actor id (`actor.*`). */
  readonly target: string;
  /** Extra arguments, as JSON; none of today's kinds takes any. */
  readonly args?: unknown;
}

/** Options of `issueCommand` and `replayAllDead`. */
export interface IssueOptions {
  /** Give up (withdrawing what the owner has not taken) when nothing finished for this long. @default 10_000 */
  readonly timeoutMs?: number;
  /** How often to look for the owner's answer. @default 25 */
  readonly pollMs?: number;
  /** Who issues it, as recorded with each command. @default `process <pid> on host <host>` */
  readonly issuedBy?: string;
  /** Called as commands finish. */
  readonly onProgress?: (progress: CommandProgress) => void;
}

/** `IssueOptions` with every default applied. */
export interface ResolvedIssueOptions {
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly issuedBy: string;
  readonly onProgress: ((progress: CommandProgress) => void) | null;
}

/** What a command did, once carried out. */
export interface CommandOutcome {
  readonly id: string;
  readonly kind: CommandKind;
  readonly target: string;
  readonly result: CommandResult;
  /** `owner`: carried out by the live process that owns the file; `direct`: by this process. */
  readonly via: 'owner' | 'direct';
}

const issueKeys = keysOf<IssueOptions>({
  timeoutMs: true,
  pollMs: true,
  issuedBy: true,
  onProgress: true,
});

/** Validates `issueCommand`'s options (unknown keys refused) and fills in their defaults. */
export function resolveIssueOptions(input: unknown): ResolvedIssueOptions {
  const given = checkOptions<IssueOptions>('issueCommand options', input, issueKeys);
  return {
    timeoutMs: checkInteger('timeoutMs', given.timeoutMs ?? 10_000, 1, 3_600_000),
    pollMs: checkInteger('pollMs', given.pollMs ?? 25, 1, 60_000),
    issuedBy: checkString(
      'issuedBy',
      given.issuedBy ?? `process ${process.pid} on host ${hostname()}`,
      200,
    ),
    onProgress:
      given.onProgress === undefined
        ? null
        : checkFunction<(progress: CommandProgress) => void>('onProgress', given.onProgress),
  };
}

/** Checks a command before anything is written. */
function checkRequest(request: unknown): CommandRequest {
  const given = checkOptions<CommandRequest>(
    'command',
    request,
    keysOf<CommandRequest>({ kind: true, target: true, args: true }),
  );
  if (!isCommandKind(given.kind)) {
    throw new InvalidOptionError('kind', `one of ${commandKinds.join(', ')}`, given.kind);
  }
  return {
    kind: given.kind,
    target: checkString('target', given.target, given.kind.startsWith('job.') ? 64 : 200),
    ...(given.args === undefined ? {} : { args: given.args }),
  };
}

/** A finished command's outcome, or its error again (of its own Warden class, code and message). */
export function commandOutcome(record: CommandRecord, via: 'owner' | 'direct'): CommandOutcome {
  if (record.status === 'failed') {
    const error = record.result as SerializedError;
    throw fromWire({
      name: error.name,
      message: error.message,
      stack: error.stack,
      code: error.code,
      fields: {},
    });
  }
  return {
    id: record.id,
    kind: record.kind as CommandKind,
    target: record.target,
    result: record.result as CommandResult,
    via,
  };
}

/**
 * Carries commands out on a Warden file: inserted as pending rows, then done by the live process
 * that owns the file (waited for), or, with no live owner, by this process as the file's owner for
 * the moment (see `drainDirectly`). Returns each finished command's record, in order.
 */
export async function carryOut(
  file: CommandFile,
  requests: readonly CommandRequest[],
  options: ResolvedIssueOptions,
  onFinished: (record: CommandRecord, via: 'owner' | 'direct') => void,
): Promise<'owner' | 'direct'> {
  const owner = file.owner();
  if (!owner.live) {
    const actor = requests.find((r) => r.kind.startsWith('actor.'));
    if (actor !== undefined) {
      throw new NotRunningError(
        `${actor.kind === 'actor.stop' ? 'stop' : 'restart'} actor \`${actor.target}\``,
        `not running: ${owner.description}, and only the process that runs an actor can start or stop it`,
      );
    }
  }
  // The direct path waits on the store's writer thread, which (like every Warden handle) does
  // not keep the process alive: whoever awaits this sees it through.
  const release = holdProcessOpen();
  try {
    const issuedAt = realClock.now();
    const ids = file.insert(requests.map((r) => ({ ...r, issuedAt, issuedBy: options.issuedBy })));
    // An owner that starts meanwhile refuses this process the file: it carries them out instead.
    const via = !owner.live && (await drainDirectly(file.path)) ? 'direct' : 'owner';
    await awaitCommands(file, ids, {
      timeoutMs: options.timeoutMs,
      pollMs: options.pollMs,
      issuedBy: options.issuedBy,
      owner: owner.live ? owner.description : `the owner of \`${file.path}\``,
      onFinished: (record) => {
        onFinished(record, via);
      },
    });
    return via;
  } finally {
    release();
  }
}

/**
 * Issues one command to the process that owns `databasePath` and resolves with what it did once
 * done; rejects with the owner's typed error when it refused (a replay of a job that is not dead:
 * `InvalidTransitionError`), or `CommandTimeoutError` when it did not answer within `timeoutMs`.
 * With no live owner, this process carries it out itself (actor commands excepted).
 */
export async function issueCommand(
  databasePath: string,
  command: CommandRequest,
  options: IssueOptions = {},
): Promise<CommandOutcome> {
  const settings = resolveIssueOptions(options);
  const request = checkRequest(command);
  const file = CommandFile.open(checkString('databasePath', databasePath, 4096));
  try {
    let finished: { record: CommandRecord; via: 'owner' | 'direct' } | undefined;
    await carryOut(file, [request], settings, (record, via) => {
      finished = { record, via };
      settings.onProgress?.({
        finished: 1,
        failed: record.status === 'failed' ? 1 : 0,
        total: 1,
        via,
      });
    });
    if (finished === undefined) throw new InternalError(`command ${request.kind}: finished unseen`);
    return commandOutcome(finished.record, finished.via);
  } finally {
    file.close();
  }
}

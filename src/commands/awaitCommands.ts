import { holdProcessOpen, realClock } from '../clock.js';
import { CommandTimeoutError, serializeError } from '../errors.js';
import type { CommandRecord } from '../persistence/Store.js';
import type { CommandFile } from './commandFile.js';

/** How far a command (or a bulk of them) has got. */
export interface CommandProgress {
  /** Commands finished: done or failed. */
  readonly finished: number;
  readonly failed: number;
  readonly total: number;
  /** `owner`: a live process carries them out; `direct`: this process does, with no owner. */
  readonly via: 'owner' | 'direct';
}

/** How an issuer waits for the owner. */
export interface WaitSettings {
  /** Give up when no command finished for this long. */
  readonly timeoutMs: number;
  /** How often the issuer looks (a real interval: this is a CLI's wait). */
  readonly pollMs: number;
  /** Who this issuer is, recorded on a command it withdraws. */
  readonly issuedBy: string;
  /** For messages: who owns the file. */
  readonly owner: string;
  onFinished(record: CommandRecord): void;
}

/** Waits `ms` on the wall clock (whose timers are unref'd: `awaitCommands` holds the process open). */
const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    realClock.setTimeout(resolve, ms);
  });

/**
 * Waits for commands to finish, in any order, reporting each; once none has finished for
 * `timeoutMs`, withdraws those nobody took and throws `CommandTimeoutError` for the first left.
 */
export async function awaitCommands(
  file: CommandFile,
  ids: readonly string[],
  settings: WaitSettings,
): Promise<void> {
  const release = holdProcessOpen();
  try {
    await waitFor(file, ids, settings);
  } finally {
    release();
  }
}

async function waitFor(
  file: CommandFile,
  ids: readonly string[],
  settings: WaitSettings,
): Promise<void> {
  let open = [...ids];
  let lastProgress = realClock.now();
  for (;;) {
    const still: string[] = [];
    for (const id of open) {
      const record = file.command(id);
      if (record !== undefined && record.status !== 'pending') settings.onFinished(record);
      else still.push(id);
    }
    if (still.length < open.length) lastProgress = realClock.now();
    open = still;
    if (open.length === 0) return;
    if (realClock.now() - lastProgress >= settings.timeoutMs) break;
    await sleep(settings.pollMs);
  }
  giveUp(file, open, settings);
}

/**
 * Withdraws the commands nobody took and throws for the first one left unfinished; one that
 * finished at the last moment is reported as finished.
 */
function giveUp(file: CommandFile, open: readonly string[], settings: WaitSettings): void {
  let first: CommandTimeoutError | undefined;
  for (const id of open) {
    const record = file.command(id);
    if (record === undefined) continue;
    const timeout = (withdrawn: boolean): CommandTimeoutError =>
      new CommandTimeoutError(
        id,
        record.kind,
        record.target,
        settings.timeoutMs,
        withdrawn,
        settings.owner,
      );
    if (file.withdraw(id, JSON.stringify(serializeError(timeout(true))), settings.issuedBy)) {
      first ??= timeout(true);
      continue;
    }
    const now = file.command(id);
    if (now !== undefined && now.status !== 'pending') settings.onFinished(now);
    else first ??= timeout(false); // taken by the owner: it will still be carried out
  }
  if (first !== undefined) throw first;
}

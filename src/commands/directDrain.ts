import { realClock } from '../clock.js';
import { InternalError, isWardenError, NotRunningError, type DatabaseError } from '../errors.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { checkString } from '../options.js';
import { SqliteStore } from '../persistence/sqliteStore.js';
import type { Job, StepValues } from '../persistence/Store.js';
import { CommandDrain } from '../supervisor/commands/commandDrain.js';
import { executeCommand, type CommandApi } from '../supervisor/commands/commandKinds.js';
import { FileOwnership } from '../supervisor/ownership.js';

/** A cancel or a replay applied to the stored job, by the job machine's rules, as the runner's own. */
async function jobCommand(
  store: SqliteStore,
  token: string,
  id: string,
  event: 'CANCEL' | 'REPLAY',
): Promise<Job> {
  const { results } = await store.commit({
    at: realClock.now(),
    owner: token,
    steps: [{ kind: 'command', id: checkString('id', id, 64), event }],
  });
  const [result] = results;
  if (result === undefined) throw new InternalError(`job ${id}: a command step had no result`);
  if (!result.ok) throw result.error;
  return (result.value as StepValues['command']).after;
}

/** Actors run only in the process that defines them: with no owner, nobody can restart one. */
function noOwner(operation: string, path: string): Promise<never> {
  return Promise.reject(
    new NotRunningError(
      operation,
      `not running: no live process owns \`${path}\`, and only the process that runs an actor can start or stop it`,
    ),
  );
}

/**
 * Carries out every pending command on a file that no live process owns, as its owner for the
 * moment: it claims the file (so no Warden starts meanwhile; one that is already starting wins,
 * and this answers false), applies each command to the store under the same checks as the
 * runner's (the job machine decides a replay or a cancel), marks it, and gives the file up.
 * Nothing else is done: no recovery of stalled jobs, which needs the job definitions, and is left
 * to the next real owner's start. Returns false when another process owns the file after all.
 */
export async function drainDirectly(
  path: string,
  logger: Logger = silentLogger(),
): Promise<boolean> {
  const store = new SqliteStore({ filename: path, synchronous: 'full' });
  const ownership = new FileOwnership(store, realClock, path, () => undefined);
  try {
    ownership.open();
  } catch (error) {
    await store.close();
    if (isWardenError(error, 'DATABASE_IN_USE')) return false;
    throw error as DatabaseError;
  }
  const token = ownership.token;
  const api: CommandApi = {
    retryJob: (id) => jobCommand(store, token, id, 'REPLAY'),
    cancelJob: (id) => jobCommand(store, token, id, 'CANCEL'),
    pauseJobType: (type, by) =>
      Promise.resolve(
        store.pauseType(checkString('type', type, 200), realClock.now(), by ?? 'api'),
      ),
    resumeJobType: (type) => Promise.resolve(store.resumeType(checkString('type', type, 200))),
    restartActor: (id) => noOwner(`restart actor \`${id}\``, path),
    stopActor: (id) => noOwner(`stop actor \`${id}\``, path),
  };
  const drain = new CommandDrain({
    store,
    clock: realClock,
    logger,
    pollMs: 0,
    token,
    active: () => true,
    execute: (command) => executeCommand(api, command),
  });
  try {
    while (await drain.drainOnce()) {
      // A full tick: more may be pending.
    }
  } finally {
    ownership.release();
    await store.close();
  }
  return true;
}

import type { SerializedError } from '../errors.js';
import { checkObject, checkKeys, checkString } from '../options.js';
import { Tally } from './bulkJobs.js';
import { CommandFile } from './commandFile.js';
import { carryOut, resolveIssueOptions, type IssueOptions } from './issueCommand.js';

/** Which dead jobs to replay. */
export interface DeadFilter {
  /** Only jobs of this type. @default every type */
  readonly type?: string;
}

/** What a bulk replay did. */
export interface ReplayAllResult {
  /** Dead jobs found (counted as it began, plus those that died meanwhile and were reached). */
  readonly total: number;
  readonly replayed: number;
  /** Jobs whose replay was refused (the first 100), with the owner's error. */
  readonly failed: readonly { readonly jobId: string; readonly error: SerializedError }[];
  readonly via: 'owner' | 'direct';
}

/** How many replays one transaction of commands carries. */
const chunk = 500;

/**
 * Replays every dead job (of one type, or all), each as a `job.replay` command, so the owner's
 * job machine decides each one: issued in chunks, paged by id through the dead jobs of each type
 * (an index walk), `onProgress` told as they finish. With no live owner, this process carries
 * them out (see `issueCommand`).
 */
export async function replayAllDead(
  databasePath: string,
  filter: DeadFilter = {},
  options: IssueOptions = {},
): Promise<ReplayAllResult> {
  const settings = resolveIssueOptions(options);
  const checked = checkObject('replayAllDead filter', filter);
  checkKeys('replayAllDead filter', checked, ['type']);
  const only =
    checked['type'] === undefined ? undefined : checkString('type', checked['type'], 200);
  const file = CommandFile.open(checkString('databasePath', databasePath, 4096));
  try {
    const counts = file.deadCounts(only);
    const tally = new Tally(settings.onProgress);
    tally.total = [...counts.values()].reduce((sum, n) => sum + n, 0);
    for (const type of counts.keys()) {
      for (let after = 0; ;) {
        const ids = file.deadJobIds(type, after, chunk);
        if (ids.length === 0) break;
        after = ids[ids.length - 1] ?? after;
        tally.total = Math.max(tally.total, tally.finished + ids.length);
        const requests = ids.map((id) => ({ kind: 'job.replay' as const, target: String(id) }));
        await carryOut(file, requests, settings, tally.add);
        if (ids.length < chunk) break;
      }
    }
    return { total: tally.total, replayed: tally.done, failed: tally.failed, via: tally.via };
  } finally {
    file.close();
  }
}

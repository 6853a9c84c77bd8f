import type { SerializedError } from '../errors.js';
import { checkObject, checkKeys, checkString } from '../options.js';
import type { CommandProgress } from './awaitCommands.js';
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
const failuresKept = 100;

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
    let total = [...counts.values()].reduce((sum, n) => sum + n, 0);
    let finished = 0;
    let replayed = 0;
    const failed: { jobId: string; error: SerializedError }[] = [];
    let via: 'owner' | 'direct' = 'direct';
    const progress = (): CommandProgress => ({
      finished,
      failed: finished - replayed,
      total,
      via,
    });
    for (const type of counts.keys()) {
      for (let after = 0; ;) {
        const ids = file.deadJobIds(type, after, chunk);
        if (ids.length === 0) break;
        after = ids[ids.length - 1] ?? after;
        total = Math.max(total, finished + ids.length);
        via = await carryOut(
          file,
          ids.map((id) => ({ kind: 'job.replay', target: String(id) })),
          settings,
          (record, by) => {
            via = by;
            finished++;
            if (record.status === 'done') replayed++;
            else if (failed.length < failuresKept) {
              failed.push({ jobId: record.target, error: record.result as SerializedError });
            }
            settings.onProgress?.(progress());
          },
        );
        if (ids.length < chunk) break;
      }
    }
    return { total, replayed, failed, via };
  } finally {
    file.close();
  }
}

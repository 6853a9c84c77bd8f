import type { SerializedError } from '../errors.js';
import { InvalidOptionError } from '../errors.js';
import { checkFilter } from '../facade/jobsApi.js';
import { jobMachine, jobStatuses, type JobStatus } from '../machines/jobMachine.js';
import { checkInteger, checkKeys, checkObject, checkString } from '../options.js';
import type { CommandRecord } from '../persistence/Store.js';
import { listJobsPage } from '../persistence/sqlite/listJobs.js';
import { checkSearchText, searchJobs } from '../persistence/sqlite/searchJobs.js';
import type { CommandProgress } from './awaitCommands.js';
import { CommandFile } from './commandFile.js';
import { carryOut, resolveIssueOptions, type IssueOptions } from './issueCommand.js';

/** What a bulk action does to each job it matches: a `job.replay` or a `job.cancel` command. */
export type BulkAction = 'replay' | 'cancel';

/** The jobs a bulk action is for: as the jobs list filters them, text search included. */
export interface BulkFilter {
  readonly status?: JobStatus | readonly JobStatus[];
  readonly type?: string;
  /** Text in the payload or the last error (see the dashboard's search). */
  readonly q?: string;
}

/** Options of `bulkJobs`: those of `issueCommand`, and how many jobs one call acts on. */
export interface BulkOptions extends IssueOptions {
  /** Act on at most this many jobs; `more` says whether others matched. @default 10_000 */
  readonly max?: number;
}

/** What a bulk action did. */
export interface BulkResult {
  readonly action: BulkAction;
  /** Jobs it issued a command for. */
  readonly matched: number;
  readonly done: number;
  /** Jobs whose command the owner refused (the first 100), with its error. */
  readonly failed: readonly { readonly jobId: string; readonly error: SerializedError }[];
  /** True when it stopped at `max` with more jobs matching: call it again for those. */
  readonly more: boolean;
  readonly via: 'owner' | 'direct';
}

const events = { replay: 'REPLAY', cancel: 'CANCEL' } as const;
const kinds = { replay: 'job.replay', cancel: 'job.cancel' } as const;

/** The statuses whose state in the job machine takes `event`: the law, read from the machine. */
export function statusesTaking(event: 'REPLAY' | 'CANCEL'): JobStatus[] {
  const states = jobMachine.config.states ?? {};
  return jobStatuses.filter((status) => {
    const on = states[status]?.on as Record<string, unknown> | undefined;
    return on !== undefined && event in on;
  });
}

/** How many commands one transaction carries. */
const chunk = 500;
const failuresKept = 100;

/** Counts finished commands as they come, keeping the first refusals. */
export class Tally {
  finished = 0;
  done = 0;
  total = 0;
  via: 'owner' | 'direct' = 'direct';
  readonly failed: { jobId: string; error: SerializedError }[] = [];

  constructor(private readonly onProgress: ((progress: CommandProgress) => void) | null) {}

  /** Records one finished command (of `by`), and tells `onProgress`. */
  readonly add = (record: CommandRecord, by: 'owner' | 'direct'): void => {
    this.via = by;
    this.finished++;
    if (record.status === 'done') this.done++;
    else if (this.failed.length < failuresKept) {
      this.failed.push({ jobId: record.target, error: record.result as SerializedError });
    }
    this.onProgress?.({
      finished: this.finished,
      failed: this.finished - this.done,
      total: this.total,
      via: this.via,
    });
  };
}

function checkBulkFilter(filter: unknown): BulkFilter {
  const given = checkObject('bulkJobs filter', filter);
  checkKeys('bulkJobs filter', given, ['status', 'type', 'q']);
  const { q, ...rest } = given;
  const { status, type } = checkFilter('bulkJobs filter', rest);
  const text = q === undefined || q === '' ? '' : checkSearchText(q);
  return {
    ...(status === undefined ? {} : { status }),
    ...(type === undefined ? {} : { type }),
    ...(text === '' ? {} : { q: text }),
  };
}

/**
 * Ids of the jobs `filter` matches in the statuses `statuses`, in id order, `chunk` at a time:
 * by the jobs list's index ranges, or by the search's windows for a text filter.
 */
function* matchingIds(
  file: CommandFile,
  filter: BulkFilter,
  statuses: JobStatus[],
): Generator<string[], void, undefined> {
  const type = filter.type === undefined ? {} : { type: filter.type };
  for (let after: string | undefined; ;) {
    const where = { status: statuses, ...type, limit: chunk, ...(after ? { after } : {}) };
    const { q } = filter;
    const page = file.read((db) =>
      q === undefined ? listJobsPage(db, where) : searchJobs(db, { ...where, q }),
    );
    if (page.jobs.length > 0) yield page.jobs.map((job) => job.id);
    if (page.nextCursor === null) return;
    after = page.nextCursor;
  }
}

/**
 * Replays or cancels every job `filter` matches (at most `options.max` of them), each as its own
 * command, so the owner's job machine decides each one; only the statuses whose state takes the
 * action are read (a cancel never reaches a finished job). With no live owner, this process
 * carries them out (see `issueCommand`).
 */
export async function bulkJobs(
  databasePath: string,
  action: BulkAction,
  filter: BulkFilter = {},
  options: BulkOptions = {},
): Promise<BulkResult> {
  if (action !== 'replay' && action !== 'cancel') {
    throw new InvalidOptionError('action', 'replay or cancel', action);
  }
  const { max: givenMax, ...issue } = checkObject('bulkJobs options', options) as BulkOptions;
  const max = checkInteger('max', givenMax ?? 10_000, 1, 1_000_000);
  const settings = resolveIssueOptions(issue);
  const checked = checkBulkFilter(filter);
  const legal = statusesTaking(events[action]);
  const wanted = checked.status === undefined ? legal : [checked.status].flat();
  const statuses = legal.filter((status) => wanted.includes(status));
  const file = CommandFile.open(checkString('databasePath', databasePath, 4096));
  const tally = new Tally(settings.onProgress);
  let more = false;
  try {
    if (statuses.length > 0) {
      const chunks = matchingIds(file, checked, statuses);
      for (let next = chunks.next(); next.done !== true; next = chunks.next()) {
        const ids = next.value.slice(0, max - tally.total);
        tally.total += ids.length;
        const requests = ids.map((target) => ({ kind: kinds[action], target }));
        await carryOut(file, requests, settings, tally.add);
        if (tally.total >= max) {
          // What is left of this chunk, or a chunk after it, is more than this call acts on.
          more = next.value.length > ids.length || chunks.next().done !== true;
          break;
        }
      }
    }
    const { total: matched, done, failed, via } = tally;
    return { action, matched, done, failed, more, via };
  } finally {
    file.close();
  }
}

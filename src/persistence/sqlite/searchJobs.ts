import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { InvalidOptionError } from '../../errors.js';
import type { JobStatus } from '../../machines/jobMachine.js';
import type { Job } from '../Store.js';
import { perConnection } from './perConnection.js';
import { toJob, type JobRow } from './rows.js';

/**
 * Text search over jobs' payloads and last errors, in bounded windows of the primary key: one
 * request reads at most `windowIds` ids' rows, however many jobs the file holds and however few
 * match, and says how far it got; the next request continues from its cursor. No index can serve
 * a substring match, so this is the price of one: a page costs a window's scan, never the table's.
 */

/** The ids one search request scans at most. */
export const windowIds = 100_000;

/** What to look for: text in the payload or the last error, optionally within a status and type. */
export interface JobSearch {
  /** Matched case-insensitively (ASCII letters) as a substring of the payload's or the error's JSON. */
  readonly q: string;
  readonly status?: readonly JobStatus[];
  readonly type?: string;
  /** At most this many matches (default 100). */
  readonly limit?: number;
  /** A `nextCursor` of the same search: where to continue. */
  readonly after?: string;
}

/** One search page: matches in id order, and how far the scan got. */
export interface JobSearchPage {
  readonly jobs: Job[];
  readonly nextCursor: string | null;
  /** The last id this page's scan covered, and the largest id in the file as it began. */
  readonly scanned: { readonly from: number; readonly to: number; readonly lastId: number };
}

const cursorText = /^s1\.(0|[1-9]\d{0,15})\.([A-Za-z0-9_-]{12})$/;
const expected = 'a `nextCursor` of the same search';

function digest(search: JobSearch): string {
  const key = JSON.stringify([search.q, [...(search.status ?? [])].sort(), search.type ?? null]);
  return createHash('sha256').update(key).digest('base64url').slice(0, 12);
}

/** The cursor of a search that continues after id `scannedTo`. */
export function encodeSearchCursor(scannedTo: number, search: JobSearch): string {
  return `s1.${scannedTo}.${digest(search)}`;
}

/** Where a search's cursor continues; refused when it was made for another search. */
export function decodeSearchCursor(cursor: string, search: JobSearch): number {
  const match = cursorText.exec(cursor);
  if (match === null) throw new InvalidOptionError('after', expected, cursor);
  if (match[2] !== digest(search)) {
    throw new InvalidOptionError('after', `${expected} (this one was made for another)`, cursor);
  }
  return Number(match[1]);
}

/**
 * Checks the text of a search: 1 to 200 characters, none of them a control character (SQLite's
 * LIKE stops reading its pattern at a NUL, so `\0` would match every job).
 */
export function checkSearchText(q: unknown): string {
  if (typeof q !== 'string' || q.length === 0 || q.length > 200 || /\p{Cc}/u.test(q)) {
    throw new InvalidOptionError('q', 'text of 1 to 200 characters, no control characters', q);
  }
  return q;
}

/** `text` as a LIKE pattern matching it anywhere, its wildcards escaped. */
function contains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const sql = `SELECT * FROM jobs
  WHERE id > ? AND id <= ?
    AND (? IS NULL OR status IN (SELECT value FROM json_each(?)))
    AND (? IS NULL OR type = ?)
    AND (payload LIKE ? ESCAPE '\\' OR last_error LIKE ? ESCAPE '\\')
  ORDER BY id LIMIT ?`;

const statementsOf = perConnection((db) => ({
  page: db.prepare<unknown[], JobRow>(sql),
  lastId: db.prepare<[], number | null>('SELECT max(id) FROM jobs').pluck(),
}));

/**
 * A page of jobs whose payload or last error holds `search.q`, scanning at most `window` ids
 * after the cursor; `nextCursor` is null once the scan has reached the file's last id.
 */
export function searchJobs(
  db: Database.Database,
  search: JobSearch,
  window = windowIds,
): JobSearchPage {
  const { page, lastId: last } = statementsOf(db);
  checkSearchText(search.q);
  const limit = search.limit ?? 100;
  const from = search.after === undefined ? 0 : decodeSearchCursor(search.after, search);
  const statuses = search.status === undefined ? null : JSON.stringify(search.status);
  const type = search.type ?? null;
  const pattern = contains(search.q);
  return db.transaction((): JobSearchPage => {
    const lastId = last.get() ?? 0;
    const end = Math.max(from, Math.min(from + window, lastId));
    const rows = page.all(from, end, statuses, statuses, type, type, pattern, pattern, limit + 1);
    const full = rows.length > limit;
    const found = full ? rows.slice(0, limit) : rows;
    // A full page stops at its last match; otherwise the whole window was read.
    const to = full ? (found.at(-1)?.id ?? end) : end;
    return {
      jobs: found.map(toJob),
      nextCursor: to < lastId ? encodeSearchCursor(to, search) : null,
      scanned: { from: from + 1, to, lastId },
    };
  })();
}

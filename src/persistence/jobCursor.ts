import { createHash } from 'node:crypto';
import { InvalidOptionError } from '../errors.js';
import type { JobFilter } from './Store.js';

/**
 * Opaque cursors for keyset paging of `listJobs`. A list is in id order (the order jobs were
 * enqueued), so a cursor holds the id of the last job of its page; it also holds a digest of the
 * filter it was made for, so a cursor given with another `status` or `type` is refused rather
 * than read as a position in a different list. A cursor does not expire: it names a place in
 * the order, not a row, so the jobs of its page may change status or be deleted meanwhile.
 */

/** The cursor format's version: the first field of every cursor. */
const version = 'j1';

/** How long a cursor can be: far above any this module makes. */
const maxCursorLength = 100;

const expected = 'a `nextCursor` returned by `listJobsPage`';
const cursorText = new RegExp(`^${version}\\.([1-9]\\d{0,15})\\.([A-Za-z0-9_-]{12})$`);

/** The statuses of a filter, each once, in a fixed order; undefined for any status. */
export function filterStatuses(filter: JobFilter): readonly string[] | undefined {
  const { status } = filter;
  if (status === undefined) return undefined;
  return [...new Set(typeof status === 'string' ? [status] : status)].sort();
}

/** A short digest of what a filter selects (not of how it pages). */
function filterDigest(filter: JobFilter): string {
  const key = JSON.stringify([filterStatuses(filter) ?? null, filter.type ?? null]);
  return createHash('sha256').update(key).digest('base64url').slice(0, 12);
}

/** The cursor of the page that starts after the job with id `afterId`, for `filter`. */
export function encodeJobCursor(afterId: number, filter: JobFilter): string {
  return Buffer.from(`${version}.${afterId}.${filterDigest(filter)}`).toString('base64url');
}

/** Checks that `value` is a cursor in form, whatever filter it was made for. */
export function checkJobCursor(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxCursorLength) {
    throw new InvalidOptionError('after', expected, value);
  }
  parse(value);
  return value;
}

/** The id a cursor made for `filter` continues after; throws `InvalidOptionError` otherwise. */
export function decodeJobCursor(cursor: unknown, filter: JobFilter): number {
  const { afterId, digest } = parse(checkJobCursor(cursor));
  if (digest !== filterDigest(filter)) {
    throw new InvalidOptionError(
      'after',
      `${expected} with the same \`status\` and \`type\` (this cursor was made for another filter)`,
      cursor,
    );
  }
  return afterId;
}

function parse(cursor: string): { afterId: number; digest: string } {
  // Buffer's base64url decoding skips what it cannot read, so the text is checked both ways.
  const text = /^[A-Za-z0-9_-]+$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('latin1')
    : '';
  const match = cursorText.exec(text);
  const afterId = Number(match?.[1]);
  if (
    match?.[2] === undefined ||
    !Number.isSafeInteger(afterId) ||
    Buffer.from(text, 'latin1').toString('base64url') !== cursor
  ) {
    throw new InvalidOptionError('after', expected, cursor);
  }
  return { afterId, digest: match[2] };
}

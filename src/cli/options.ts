import { InvalidOptionError } from '../errors.js';
import { jobStatuses, type JobStatus } from '../machines/jobMachine.js';
import { decodeJobCursor, encodeJobCursor } from '../persistence/jobCursor.js';
import type { JobFilter } from '../persistence/Store.js';

/** The most rows one listing prints (it reads them page by page). */
export const maxListed = 10_000_000;

/** A whole number from `min` to `max`, for option `name`; throws `InvalidOptionError`. */
export function wholeNumber(name: string, text: string, min: number, max: number): number {
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `a whole number from ${min} to ${max}`, text);
  }
  return value;
}

/** A `--limit`: how many rows to list. */
export function parseLimit(text: string): number {
  return wholeNumber('--limit', text, 1, maxListed);
}

/** A duration in milliseconds, for option `name`. */
export function parseMs(name: string): (text: string) => number {
  return (text) => wholeNumber(name, text, 0, 86_400_000);
}

/** `--status`: one status or several separated by commas, each a status of the job machine. */
export function parseStatuses(text: string): JobStatus[] {
  const statuses = text.split(',').map((part) => part.trim());
  for (const status of statuses) {
    if (!(jobStatuses as readonly string[]).includes(status)) {
      throw new InvalidOptionError(
        '--status',
        `one or more of ${jobStatuses.map((s) => `\`${s}\``).join(', ')}, separated by commas`,
        text,
      );
    }
  }
  return [...new Set(statuses)] as JobStatus[];
}

/** A job id as the CLI takes it: a positive whole number. */
export function parseJobId(text: string): string {
  if (!/^[1-9]\d{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidOptionError('job id', 'a positive whole number', text);
  }
  return text;
}

/**
 * `--after`: a cursor printed by an earlier page, or a plain job id (the listing starts after
 * it), turned into the cursor for this filter.
 */
export function afterCursor(text: string | undefined, filter: JobFilter): string | undefined {
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text)) {
    const id = wholeNumber('--after', text, 0, Number.MAX_SAFE_INTEGER);
    return id === 0 ? undefined : encodeJobCursor(id, filter);
  }
  try {
    decodeJobCursor(text, filter); // refused here, under the flag's own name
  } catch (error) {
    // decodeJobCursor refuses with an InvalidOptionError saying what a cursor must be.
    throw new InvalidOptionError(
      '--after',
      `a job id or ${(error as InvalidOptionError).expected}`,
      text,
    );
  }
  return text;
}

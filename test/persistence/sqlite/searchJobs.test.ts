import type Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../../src/errors.js';
import type { JobStatus } from '../../../src/machines/jobMachine.js';
import { searchJobs, type JobSearch } from '../../../src/persistence/sqlite/searchJobs.js';
import { insertRow, migrated } from './jobTable.js';

interface Given {
  readonly type: string;
  readonly status: JobStatus;
  readonly payload: string;
  readonly error: string | null;
}

function insert(db: Database.Database, rows: readonly Given[]): void {
  for (const row of rows) {
    const id = insertRow(db, row.type, row.status);
    db.prepare('UPDATE jobs SET payload = ?, last_error = ? WHERE id = ?').run(
      JSON.stringify({ text: row.payload }),
      row.error === null ? null : JSON.stringify({ name: 'Error', message: row.error }),
      id,
    );
  }
}

/** Every page of a search, window by window, until its cursor runs out. */
function everyMatch(db: Database.Database, search: JobSearch, window: number): number[] {
  const found: number[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = searchJobs(db, { ...search, ...(after === undefined ? {} : { after }) }, window);
    found.push(...page.jobs.map((job) => Number(job.id)));
    if (page.nextCursor === null) return found;
    after = page.nextCursor;
  }
  throw new Error('the search did not end');
}

const words = ['alpha', 'Beta', 'gamma%', 'delta_x', 'back\\slash'];

describe('searchJobs', () => {
  it('finds, window by window, exactly the jobs whose payload or error holds the text', () => {
    const row = fc.record({
      type: fc.constantFrom('mail', 'sms'),
      status: fc.constantFrom<JobStatus>('queued', 'dead', 'succeeded'),
      payload: fc.constantFrom(...words),
      error: fc.option(fc.constantFrom(...words)),
    });
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 30 }),
        fc.constantFrom('alpha', 'beta', '%', '_x', '\\', 'zeta'),
        fc.option(fc.constantFrom<JobStatus[]>(['dead'], ['queued', 'succeeded'])),
        fc.option(fc.constantFrom('mail', 'sms')),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 5 }),
        (rows, q, status, type, window, limit) => {
          const db = migrated();
          insert(db, rows);
          const search: JobSearch = {
            q,
            limit,
            ...(status === null ? {} : { status }),
            ...(type === null ? {} : { type }),
          };
          const needle = q.toLowerCase();
          const expected = rows.flatMap((r, i) =>
            (status === null || status.includes(r.status)) &&
            (type === null || r.type === type) &&
            (JSON.stringify({ text: r.payload }).toLowerCase().includes(needle) ||
              (r.error !== null && r.error.toLowerCase().includes(needle)))
              ? [i + 1]
              : [],
          );
          expect(everyMatch(db, search, window)).toEqual(expected);
          db.close();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('says how far one page scanned, and stops at a full page', () => {
    const db = migrated();
    insert(
      db,
      Array.from({ length: 10 }, (_, n) => ({
        type: 'mail',
        status: 'queued' as const,
        payload: n % 2 === 0 ? 'even' : 'odd',
        error: null,
      })),
    );
    const first = searchJobs(db, { q: 'odd' }, 4);
    expect(first.jobs.map((job) => job.id)).toEqual(['2', '4']);
    expect(first.scanned).toEqual({ from: 1, to: 4, lastId: 10 });
    const full = searchJobs(db, { q: 'odd', limit: 1 }, 100);
    expect(full.jobs.map((job) => job.id)).toEqual(['2']);
    expect(full.scanned.to).toBe(2);
    const rest = searchJobs(db, { q: 'odd', limit: 100, after: full.nextCursor ?? '' }, 100);
    expect(rest.jobs.map((job) => job.id)).toEqual(['4', '6', '8', '10']);
    expect(rest.nextCursor).toBeNull();
  });

  it('refuses a cursor made for another search, or not a cursor at all', () => {
    const db = migrated();
    insert(db, [{ type: 'mail', status: 'queued', payload: 'a', error: null }]);
    const cursor = searchJobs(db, { q: 'a' }, 0).nextCursor ?? '';
    expect(cursor).toMatch(/^s1\.0\./);
    expect(() => searchJobs(db, { q: 'b', after: cursor })).toThrow(InvalidOptionError);
    expect(() => searchJobs(db, { q: 'a', after: 'j1.5.x' })).toThrow(/`after`.*j1\.5\.x/);
  });
});

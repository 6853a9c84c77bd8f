import type Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, WardenError } from '../../../src/errors.js';
import { jobStatuses, type JobStatus } from '../../../src/machines/jobMachine.js';
import { encodeJobCursor } from '../../../src/persistence/jobCursor.js';
import {
  listJobsPage,
  planPage,
  rangesPerStatement,
} from '../../../src/persistence/sqlite/listJobs.js';
import type { JobFilter } from '../../../src/persistence/Store.js';
import { insertRow, migrated, setStatus } from './jobTable.js';

const types = ['email', 'sms', 'push'] as const;

interface Row {
  readonly id: number;
  readonly type: string;
  readonly status: string;
}

function rows(db: Database.Database): Row[] {
  return db.prepare('SELECT id, type, status FROM jobs ORDER BY id').all() as Row[];
}

function matches(row: Row, filter: JobFilter): boolean {
  const { status, type } = filter;
  const statuses: readonly string[] | undefined =
    status === undefined ? undefined : typeof status === 'string' ? [status] : status;
  return (
    (statuses === undefined || statuses.includes(row.status)) &&
    (type === undefined || row.type === type)
  );
}

function ids(jobs: readonly { id: string }[]): number[] {
  return jobs.map((job) => Number(job.id));
}

function seed(db: Database.Database, jobs: readonly (readonly [string, JobStatus])[]): void {
  for (const [type, status] of jobs) insertRow(db, type, status);
}

const status = fc.constantFrom(...jobStatuses);
const job = fc.tuple(fc.constantFrom(...types), status);
/** Every shape of filter: none, a status, a list (duplicates too), a type, and a type with either. */
const filter: fc.Arbitrary<JobFilter> = fc.record(
  {
    status: fc.oneof(status, fc.array(status, { maxLength: 4 })),
    type: fc.constantFrom(...types, 'nothing'),
  },
  { requiredKeys: [] },
);

/** Pages through `filter` to the end, running `between` after each page; returns every page. */
function pageThrough(
  db: Database.Database,
  base: JobFilter,
  limits: readonly number[],
  between: (page: number) => void = () => undefined,
): number[][] {
  const pages: number[][] = [];
  let after: string | undefined;
  for (let page = 0; ; page++) {
    const limit = limits[page % limits.length] ?? 10;
    const result = listJobsPage(db, { ...base, limit, after });
    pages.push(ids(result.jobs));
    expect(result.jobs.length).toBeLessThanOrEqual(limit);
    if (result.nextCursor === null) return pages;
    expect(result.jobs).toHaveLength(limit);
    after = result.nextCursor;
    between(page);
    if (page > 10_000) throw new Error('paging did not end');
  }
}

describe('listJobsPage', () => {
  it('returns the jobs each filter matches, in id order, page after page', () => {
    fc.assert(
      fc.property(
        fc.array(job, { maxLength: 40 }),
        filter,
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }),
        (jobs, chosen, limits) => {
          const db = migrated();
          seed(db, jobs);
          const expected = rows(db)
            .filter((row) => matches(row, chosen))
            .map((row) => row.id);
          expect(pageThrough(db, chosen, limits).flat()).toEqual(expected);
          db.close();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lists every job exactly once while other jobs are added and others change status', () => {
    fc.assert(
      fc.property(
        fc.array(job, { minLength: 1, maxLength: 40 }),
        filter,
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(job, fc.nat(), status), { maxLength: 20 }),
        (jobs, chosen, limits, writes) => {
          const db = migrated();
          seed(db, jobs);
          const before = rows(db);
          const changed = new Set<number>();
          const seen: number[] = [];
          let after: string | undefined;
          for (let page = 0; ; page++) {
            const limit = limits[page % limits.length] ?? 3;
            // Each page is exactly what the filter matches after the cursor at the moment it is read.
            const cursorId = seen.at(-1) ?? 0;
            const expected = rows(db)
              .filter((row) => row.id > cursorId && matches(row, chosen))
              .map((row) => row.id)
              .slice(0, limit);
            const result = listJobsPage(db, { ...chosen, limit, after });
            expect(ids(result.jobs)).toEqual(expected);
            seen.push(...ids(result.jobs));
            if (result.nextCursor === null) break;
            after = result.nextCursor;
            // Between pages: a new job, and a status change of an existing one (not yet listed or not).
            const write = writes[page];
            if (write !== undefined) {
              const [[type, newStatus], pick, changedTo] = write;
              insertRow(db, type, newStatus);
              const target = before[pick % before.length];
              if (target !== undefined) {
                setStatus(db, target.id, changedTo);
                changed.add(target.id);
              }
            }
          }
          // Strictly ascending: no job twice.
          expect([...seen].sort((a, b) => a - b)).toEqual(seen);
          expect(new Set(seen).size).toBe(seen.length);
          // Every job that matched from start to end was listed; so was every match added.
          const after_ = rows(db);
          for (const row of after_) {
            const wasThere = before.some((b) => b.id === row.id);
            if (!matches(row, chosen)) continue;
            if (!wasThere || !changed.has(row.id)) expect(seen).toContain(row.id);
          }
          db.close();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps the first page when no more follow, with a null cursor', () => {
    const db = migrated();
    seed(db, [
      ['email', 'dead'],
      ['sms', 'dead'],
    ]);
    const page = listJobsPage(db, { status: 'dead', limit: 2 });
    expect(ids(page.jobs)).toEqual([1, 2]);
    expect(page.nextCursor).toBeNull();
    expect(listJobsPage(db, { status: 'dead', limit: 1 }).nextCursor).not.toBeNull();
  });

  it('still pages with offset, and continues by cursor from an offset page', () => {
    const db = migrated();
    seed(
      db,
      Array.from({ length: 9 }, (_, i) => [types[i % 3] ?? 'email', 'queued'] as const),
    );
    const byOffset = listJobsPage(db, { type: 'email', limit: 1, offset: 1 });
    expect(ids(byOffset.jobs)).toEqual([4]);
    expect(ids(listJobsPage(db, { type: 'email', after: byOffset.nextCursor ?? '' }).jobs)).toEqual(
      [7],
    );
    expect(ids(listJobsPage(db, { offset: 7 }).jobs)).toEqual([8, 9]);
  });

  it('lists the in-flight statuses with the others', () => {
    const db = migrated();
    seed(db, [
      ['email', 'queued'],
      ['email', 'queued'],
      ['email', 'dead'],
    ]);
    setStatus(db, 1, 'claimed');
    setStatus(db, 2, 'claimed');
    setStatus(db, 2, 'running');
    expect(ids(listJobsPage(db, { status: ['running', 'dead', 'claimed'] }).jobs)).toEqual([
      1, 2, 3,
    ]);
    expect(ids(listJobsPage(db, { type: 'email' }).jobs)).toEqual([1, 2, 3]);
    expect(ids(listJobsPage(db, { type: 'email', status: 'running' }).jobs)).toEqual([2]);
  });

  it('merges more ranges than one statement holds, in chunks, by cursor and by offset', () => {
    const db = migrated();
    // A status alone is a range per type: more types than one statement merges.
    const many = Array.from({ length: rangesPerStatement * 2 + 3 }, (_, i) => `type${i}`);
    const next = fc.sample(fc.tuple(fc.constantFrom(...many), status), { numRuns: 600, seed: 7 });
    seed(db, next);
    for (const chosen of [
      { status: 'dead' },
      { status: ['dead', 'running', 'queued'] },
    ] as JobFilter[]) {
      expect(planPage(db, chosen, 0, 10).kind).toBe('chunks');
      const expected = rows(db)
        .filter((row) => matches(row, chosen))
        .map((row) => row.id);
      expect(pageThrough(db, chosen, [7, 13]).flat()).toEqual(expected);
      expect(ids(listJobsPage(db, { ...chosen, limit: 5, offset: 9 }).jobs)).toEqual(
        expected.slice(9, 14),
      );
    }
  });

  describe('query plans', () => {
    function plan(db: Database.Database, chosen: JobFilter): string[] {
      const page = planPage(db, chosen, 500, 101);
      const queries: { statement: { source: string }; params: readonly unknown[] }[] =
        page.kind === 'one'
          ? [page.query]
          : page.kind === 'chunks'
            ? [...page.chunks, { statement: page.byIds, params: ['[1, 2]'] }]
            : [];
      return queries.flatMap(({ statement, params }) =>
        (
          db.prepare(`EXPLAIN QUERY PLAN ${statement.source}`).all(...params) as {
            detail: string;
          }[]
        ).map((row) => row.detail),
      );
    }

    it.each([{}, { status: [...jobStatuses] }])(
      'reads %j, which leaves out no job, as one range of the primary key',
      (chosen) => {
        const db = migrated();
        for (const s of jobStatuses) insertRow(db, 'email', s);
        expect(plan(db, chosen)).toEqual(['SEARCH jobs USING INTEGER PRIMARY KEY (rowid>?)']);
      },
    );

    const filters: JobFilter[] = [
      ...jobStatuses.map((s) => ({ status: s })),
      { status: ['dead', 'cancelled'] },
      { status: ['queued', 'claimed', 'running'] },
      { status: jobStatuses.filter((s) => s !== 'succeeded') },
      { type: 'email' },
      ...jobStatuses.map((s) => ({ type: 'email', status: s })),
      { type: 'email', status: ['running', 'retrying', 'succeeded'] },
    ];

    it.each(filters.map((f) => [JSON.stringify(f), f] as const))(
      'reads %s through index ranges in id order, with no scan and no sort',
      (_name, chosen) => {
        const db = migrated();
        // Jobs of many types in every status: a status alone spans statements' worth of ranges.
        for (let t = 0; t < rangesPerStatement + 2; t++) {
          for (const s of jobStatuses) insertRow(db, t === 0 ? 'email' : `type${t}`, s);
        }
        const details = plan(db, chosen);
        const searches = details.filter((detail) => detail.startsWith('SEARCH'));
        expect(searches.length).toBeGreaterThan(0);
        for (const detail of details) expect(detail).not.toMatch(/TEMP B-TREE|^SCAN (?!json_each)/);
        // Index ranges, and the rows of the ids they give: never a range of the table itself.
        for (const detail of searches) {
          expect(detail).toMatch(
            /^SEARCH jobs USING (INTEGER PRIMARY KEY \(rowid=\?\)|(COVERING )?INDEX jobs_(by_type \(type=\? AND status=\? AND id>\?\)|unfinished \(id>\?\)))$/,
          );
        }
        expect(
          searches.some(
            (detail) => detail.includes('USING INDEX') || detail.includes('COVERING INDEX'),
          ),
        ).toBe(true);
      },
    );
  });

  describe('bad cursors', () => {
    function refusal(chosen: JobFilter): InvalidOptionError {
      const db = migrated();
      try {
        listJobsPage(db, chosen);
      } catch (error) {
        expect(WardenError.is(error)).toBe(true);
        return error as InvalidOptionError;
      }
      throw new Error('expected a refusal');
    }

    const good = encodeJobCursor(5, { status: 'dead' });

    const text = Buffer.from(good, 'base64url').toString();
    const encoded = (value: string): string => Buffer.from(value).toString('base64url');

    it.each([
      ['an empty string', ''],
      ['words', 'not a cursor'],
      ['base64 of something else', encoded('hello')],
      ['another format version', encoded(text.replace('j1.', 'j2.'))],
      ['a tampered id', encoded(text.replace('.5.', '.x.'))],
      ['id 0', encoded(text.replace('.5.', '.0.'))],
      ['an id past 2^53', encoded(text.replace('.5.', '.9007199254740993.'))],
      ['a tampered digest', encoded(text.slice(0, -1))],
      ['padding', `${good}=`],
      ['a cursor cut short', good.slice(0, -2)],
      ['a number', 5],
      ['null', null],
      ['a very long string', 'a'.repeat(10_000)],
    ])('refuses %s, quoting it', (_name, cursor) => {
      const error = refusal({ status: 'dead', after: cursor as string });
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error.code).toBe('INVALID_OPTION');
      expect(error.option).toBe('after');
      expect(error.value).toBe(cursor);
      expect(error.message).toContain('`nextCursor` returned by `listJobsPage`');
      if (typeof cursor === 'string' && cursor.length < 200) {
        expect(error.message).toContain(`got \`${cursor}\``);
      }
    });

    it('refuses a cursor made for another status or type', () => {
      for (const other of [
        {},
        { status: 'queued' as const },
        { status: 'dead' as const, type: 'email' },
      ]) {
        const error = refusal({ ...other, after: good });
        expect(error.message).toBe(
          `Expected \`after\` to be a \`nextCursor\` returned by \`listJobsPage\` with the same \`status\` and \`type\` (this cursor was made for another filter), got \`${good}\``,
        );
      }
    });

    it('takes a cursor for the same statuses in any order and any page size', () => {
      const db = migrated();
      seed(db, [
        ['email', 'dead'],
        ['email', 'queued'],
        ['email', 'dead'],
      ]);
      const cursor = encodeJobCursor(1, { status: ['queued', 'dead'] });
      expect(
        ids(listJobsPage(db, { status: ['dead', 'queued', 'dead'], limit: 5, after: cursor }).jobs),
      ).toEqual([2, 3]);
    });

    it('refuses a cursor with an offset', () => {
      const error = refusal({ status: 'dead', after: good, offset: 3 });
      expect(error.option).toBe('offset');
      expect(error.message).toContain('got `3` (number)');
    });
  });
});

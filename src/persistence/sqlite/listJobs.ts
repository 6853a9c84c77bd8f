import type Database from 'better-sqlite3';
import { InvalidOptionError } from '../../errors.js';
import { decodeJobCursor, encodeJobCursor, filterStatuses } from '../jobCursor.js';
import type { JobFilter, JobPage } from '../Store.js';
import { toJob, type JobRow } from './rows.js';

/**
 * The statuses in `jobs_unfinished` (migration 7), which `jobs_by_type` (migration 8) leaves
 * out. The indexes' conditions are repeated word for word: SQLite uses a partial index only for
 * a query whose WHERE contains its condition.
 */
const unfinishedStatuses: ReadonlySet<string> = new Set(['claimed', 'running']);
const inUnfinished = "status IN ('claimed', 'running')";
const inListed = "status NOT IN ('claimed', 'running')";

/** How many ranges one statement merges; more are merged in chunks (a statement's SQL grows with them). */
export const rangesPerStatement = 16;

type Params = (string | number)[];

/** One id-ordered index range: the jobs of one status, of one type (or of any, in flight). */
interface Range {
  readonly status: string;
  readonly type: string | undefined;
}

/** A statement to run and its parameters. */
export interface Query<R> {
  readonly statement: Database.Statement<Params, R>;
  readonly params: Params;
}

/**
 * How a page is read: no job can match; one statement; or, for more ranges than one statement
 * merges, the ids of each chunk of ranges, merged here, then their rows.
 */
export type PagePlan =
  | { readonly kind: 'empty' }
  | { readonly kind: 'one'; readonly query: Query<JobRow> }
  | {
      readonly kind: 'chunks';
      readonly chunks: readonly Query<number>[];
      readonly offset: number;
      readonly rows: number;
      readonly byIds: Database.Statement<[string], JobRow>;
    };

const prepared = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** The statement `make` prepares, made once per connection. */
function cached<P extends unknown[], R>(
  db: Database.Database,
  key: string,
  make: () => Database.Statement<P, R>,
): Database.Statement<P, R> {
  let cache = prepared.get(db);
  if (cache === undefined) {
    cache = new Map();
    prepared.set(db, cache);
  }
  let found = cache.get(key) as Database.Statement<P, R> | undefined;
  if (found === undefined) {
    found = make();
    cache.set(key, found);
  }
  return found;
}

function inFlight(range: Range): boolean {
  return unfinishedStatuses.has(range.status);
}

/** The SQL of one range, selecting `columns`; its parameters come from `rangeParams`. */
function rangeSql(range: Range, columns: string): string {
  if (inFlight(range)) {
    const type = range.type === undefined ? '' : ' AND type = ?';
    return `SELECT ${columns} FROM jobs INDEXED BY jobs_unfinished WHERE ${inUnfinished} AND status = ?${type} AND id > ?`;
  }
  return `SELECT ${columns} FROM jobs INDEXED BY jobs_by_type WHERE ${inListed} AND status = ? AND type = ? AND id > ?`;
}

function rangeParams(range: Range, afterId: number): Params {
  return range.type === undefined ? [range.status, afterId] : [range.status, range.type, afterId];
}

/** A key naming a run of ranges' SQL: ranges of one kind differ only in their parameters. */
function shape(ranges: readonly Range[]): string {
  return ranges.map((r) => (inFlight(r) ? (r.type === undefined ? 'u' : 't') : 'l')).join('');
}

/** The (type, status) pairs that have jobs, from `job_counts`. */
function countedPairs(db: Database.Database): { type: string; status: string }[] {
  const sql =
    'SELECT type, status FROM job_counts GROUP BY type, status HAVING sum(n) > 0 ORDER BY type, status';
  return cached(db, 'pairs', () => db.prepare<[], { type: string; status: string }>(sql)).all();
}

/** The statuses that jobs of `type` are in, from `job_counts`. */
function statusesOf(db: Database.Database, type: string): string[] {
  const sql =
    'SELECT status FROM job_counts WHERE type = ? GROUP BY status HAVING sum(n) > 0 ORDER BY status';
  return cached(db, 'statuses', () => db.prepare<[string], string>(sql).pluck()).all(type);
}

/**
 * The ranges that hold the jobs `filter` matches, or undefined for the whole table. A status
 * without a type is one range per type that has jobs in it (in flight, one range of any type).
 */
function rangesOf(db: Database.Database, filter: JobFilter): Range[] | undefined {
  const { type } = filter;
  const statuses = filterStatuses(filter);
  if (type !== undefined) {
    return (statuses ?? statusesOf(db, type)).map((status) => ({ status, type }));
  }
  if (statuses === undefined) return undefined;
  const pairs = countedPairs(db);
  // A filter that leaves out no status any job is in is the whole table.
  if (pairs.every((pair) => statuses.includes(pair.status))) return undefined;
  return statuses.flatMap((status): Range[] =>
    unfinishedStatuses.has(status)
      ? [{ status, type: undefined }]
      : pairs.filter((pair) => pair.status === status).map((pair) => ({ status, type: pair.type })),
  );
}

/** The ids the ranges hold after the cursor, merged in id order by SQLite as they are read. */
function mergedIds(ranges: readonly Range[], afterId: number): { sql: string; params: Params } {
  return {
    sql: `${ranges.map((range) => rangeSql(range, 'id')).join(' UNION ALL ')} ORDER BY 1`,
    params: ranges.flatMap((range) => rangeParams(range, afterId)),
  };
}

/**
 * How to read `rows` jobs matching `filter` after the job `afterId` (skipping `filter.offset`):
 * with no status or type, a range of the primary key; otherwise index ranges merged in id order
 * as they are read, so a page costs its rows plus one seek per range, however deep it is.
 */
export function planPage(
  db: Database.Database,
  filter: JobFilter,
  afterId: number,
  rows: number,
): PagePlan {
  const offset = filter.offset ?? 0;
  const ranges = rangesOf(db, filter);
  if (ranges === undefined) {
    const sql = 'SELECT * FROM jobs WHERE id > ? ORDER BY id LIMIT ? OFFSET ?';
    const statement = cached(db, 'all', () => db.prepare<Params, JobRow>(sql));
    return { kind: 'one', query: { statement, params: [afterId, rows, offset] } };
  }
  // Ranges of one kind together, so that one statement serves every filter of the same shape.
  const sorted = [...ranges].sort((a, b) => shape([a]).localeCompare(shape([b])));
  const [first] = sorted;
  if (first === undefined) return { kind: 'empty' };
  if (sorted.length === 1) {
    const sql = `${rangeSql(first, '*')} ORDER BY id LIMIT ? OFFSET ?`;
    const statement = cached(db, `one:${shape(sorted)}`, () => db.prepare<Params, JobRow>(sql));
    return {
      kind: 'one',
      query: { statement, params: [...rangeParams(first, afterId), rows, offset] },
    };
  }
  if (sorted.length <= rangesPerStatement) {
    const ids = mergedIds(sorted, afterId);
    const sql = `SELECT * FROM jobs WHERE id IN (${ids.sql} LIMIT ? OFFSET ?) ORDER BY id`;
    const statement = cached(db, `page:${shape(sorted)}`, () => db.prepare<Params, JobRow>(sql));
    return { kind: 'one', query: { statement, params: [...ids.params, rows, offset] } };
  }
  const chunks: Query<number>[] = [];
  for (let start = 0; start < sorted.length; start += rangesPerStatement) {
    const chunk = sorted.slice(start, start + rangesPerStatement);
    const ids = mergedIds(chunk, afterId);
    const statement = cached(db, `ids:${shape(chunk)}`, () =>
      db.prepare<Params, number>(`${ids.sql} LIMIT ?`).pluck(),
    );
    chunks.push({ statement, params: [...ids.params, offset + rows] });
  }
  const byIds = cached(db, 'byIds', () =>
    db.prepare<[string], JobRow>(
      'SELECT * FROM jobs WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id',
    ),
  );
  return { kind: 'chunks', chunks, offset, rows, byIds };
}

function readPlan(plan: PagePlan): JobRow[] {
  switch (plan.kind) {
    case 'empty':
      return [];
    case 'one':
      return plan.query.statement.all(...plan.query.params);
    case 'chunks': {
      const ids = plan.chunks.flatMap((chunk) => chunk.statement.all(...chunk.params));
      ids.sort((a, b) => a - b);
      const wanted = ids.slice(plan.offset, plan.offset + plan.rows);
      return wanted.length === 0 ? [] : plan.byIds.all(JSON.stringify(wanted));
    }
  }
}

/**
 * A page of jobs matching `filter`, in id order, after `filter.after` (a cursor) or skipping
 * `filter.offset` rows; with the cursor of the next page, or null when none follows.
 */
export function listJobsPage(db: Database.Database, filter: JobFilter): JobPage {
  const limit = filter.limit ?? 100;
  const offset = filter.offset ?? 0;
  if (filter.after !== undefined && offset !== 0) {
    throw new InvalidOptionError(
      'offset',
      '0 or absent when `after` is given (a cursor already says where the page starts)',
      offset,
    );
  }
  const afterId = filter.after === undefined ? 0 : decodeJobCursor(filter.after, filter);
  // job_counts and the jobs are read in one snapshot; one row past the page tells if more follow.
  const rows = db.transaction(() => readPlan(planPage(db, filter, afterId, limit + 1)))();
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    jobs: page.map(toJob),
    nextCursor: more && last !== undefined ? encodeJobCursor(last.id, filter) : null,
  };
}

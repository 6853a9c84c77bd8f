import type Database from 'better-sqlite3';
import type { JobCountRow } from '../Store.js';

const prepared = new WeakMap<Database.Database, Database.Statement<[], JobCountRow>>();

/**
 * How many jobs of each type are in each status at each priority, leaving out empty groups: read
 * from `job_counts`, which triggers keep up to date, so the cost grows with the number of groups
 * (types × statuses × priorities), never with the number of jobs.
 */
export function jobCountRows(db: Database.Database): JobCountRow[] {
  let statement = prepared.get(db);
  if (statement === undefined) {
    statement = db.prepare<[], JobCountRow>(
      'SELECT type, status, priority, n FROM job_counts WHERE n <> 0 ORDER BY type, status, priority',
    );
    prepared.set(db, statement);
  }
  return statement.all();
}

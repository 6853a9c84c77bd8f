import type Database from 'better-sqlite3';

/**
 * `make` run once per connection, its result kept with the connection (weakly): a read module's
 * prepared statements, made at its first use on a connection and reused after.
 */
export function perConnection<T>(make: (db: Database.Database) => T): (db: Database.Database) => T {
  const made = new WeakMap<Database.Database, T>();
  return (db) => {
    let found = made.get(db);
    if (found === undefined) {
      found = make(db);
      made.set(db, found);
    }
    return found;
  };
}

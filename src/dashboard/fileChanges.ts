import type Database from 'better-sqlite3';
import { Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../clock.js';
import { checkInteger } from '../options.js';

/** The file changed: another connection committed since the last look. */
export interface FileChange {
  /** SQLite's `data_version` for this connection: it moves with every commit of another one. */
  readonly dataVersion: number;
  /** When the change was seen (the clock's time). */
  readonly at: number;
}

/**
 * Watches a database file that another process writes, cheaply: every `intervalMs` on `clock`
 * it reads `PRAGMA data_version` on `db` (a read-only connection of this process), a value SQLite
 * keeps in memory and moves whenever another connection commits. No table is read; a change is
 * emitted once per look that found one, however many commits it covers, and the reader then reads
 * only what it shows (the counts Warden keeps, the page in view). Subscribing starts the polling;
 * unsubscribing stops it. A read that fails (the file went away) ends the stream with its error.
 */
export function fileChanges(
  db: Database.Database,
  clock: Clock,
  intervalMs = 100,
): Observable<FileChange> {
  const every = checkInteger('intervalMs', intervalMs, 1, 60_000);
  const read = db.prepare<[], { data_version: number }>('PRAGMA data_version');
  return new Observable<FileChange>((subscriber) => {
    let timer: TimerHandle | undefined;
    let last: number;
    try {
      last = (read.get() as { data_version: number }).data_version;
    } catch (error) {
      subscriber.error(error);
      return undefined;
    }
    const look = (): void => {
      timer = undefined;
      let now: number;
      try {
        now = (read.get() as { data_version: number }).data_version;
      } catch (error) {
        subscriber.error(error);
        return;
      }
      if (now !== last) {
        last = now;
        subscriber.next({ dataVersion: now, at: clock.now() });
      }
      if (!subscriber.closed) timer = clock.setTimeout(look, every);
    };
    timer = clock.setTimeout(look, every);
    return () => {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    };
  });
}

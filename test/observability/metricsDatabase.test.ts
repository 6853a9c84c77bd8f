import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  databaseMetrics,
  DatabaseUnavailableError,
  InvalidOptionError,
  NotAWardenDatabaseError,
  SchemaTooNewError,
} from '../../src/index.js';
import { migrations, WARDEN_APPLICATION_ID } from '../../src/persistence/schema.js';
import { fileScratch, preparedDatabase } from '../cli/helpers.js';
import { tempDatabase, testWarden } from '../helpers.js';
import { family, parseMetrics, samples } from './metricsHelpers.js';

const dir = fileScratch();

/** A read-only connection to `file`, closed after the test. */
function reader(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  onTestFinished(() => {
    db.close();
  });
  return db;
}

describe('databaseMetrics', () => {
  it('tells what a file holds with no Warden running: queue, dead letters, breakers, dead actors, errors', async () => {
    // preparedDatabase: five email.send jobs succeeded (one at priority 10), two report.build
    // jobs dead after one failure each, one email.send scheduled; breaker smtp opened; the
    // supervisor importer dead-lettered after its child feed crashed.
    const parsed = parseMetrics(await databaseMetrics(reader(await preparedDatabase(dir))));
    expect(family(parsed, 'warden_queue_depth').type).toBe('GAUGE');
    expect(samples(parsed, 'warden_queue_depth')).toEqual({
      'type=email.send,status=scheduled,priority=0': 1,
      'type=email.send,status=succeeded,priority=0': 4,
      'type=email.send,status=succeeded,priority=10': 1,
      'type=report.build,status=dead,priority=0': 2,
    });
    expect(samples(parsed, 'warden_dead_letters')).toEqual({ 'type=report.build': 2 });
    expect(samples(parsed, 'warden_breaker_state')).toEqual({
      'breaker=smtp,state=closed': 0,
      'breaker=smtp,state=open': 1,
      'breaker=smtp,state=half-open': 0,
      'breaker=smtp,state=isolated': 0,
    });
    expect(samples(parsed, 'warden_actors_dead')).toEqual({
      'kind=worker': 0,
      'kind=supervisor': 1,
    });
    expect(samples(parsed, 'warden_error_events')).toEqual({
      'source=actor,kind=dead': 1,
      'source=actor,kind=escalated': 1,
      'source=actor,kind=exited': 2, // feed crashed, then importer stopped
      'source=breaker,kind=opened': 1,
      'source=job,kind=FAIL': 2,
    });
    for (const [name, metric] of parsed) {
      expect(name).toMatch(/^warden_[a-z_]+$/);
      expect(metric.help.length).toBeGreaterThan(10);
    }
  });

  it('shows each family empty, or at zero, for a file with nothing in it', async () => {
    const file = tempDatabase();
    const { warden } = testWarden({ database: file });
    await warden.start();
    await warden.stop();
    const parsed = parseMetrics(await databaseMetrics(reader(file)));
    expect(samples(parsed, 'warden_actors_dead')).toEqual({
      'kind=worker': 0,
      'kind=supervisor': 0,
    });
    for (const name of [
      'warden_queue_depth',
      'warden_dead_letters',
      'warden_breaker_state',
      'warden_error_events',
    ]) {
      expect(family(parsed, name).type, name).toBe('GAUGE');
      expect(samples(parsed, name), name).toEqual({});
    }
  });

  it('agrees with the owner’s warden.metrics() while it runs, and follows its commits', async () => {
    const file = tempDatabase();
    const { warden, clock } = testWarden({ database: file });
    warden.defineJob('later', { run: () => undefined });
    await warden.start();
    await warden.enqueue('later', {}, { delayMs: 60_000, priority: 3 });
    await clock.settle();
    const db = reader(file);
    const shared = ['warden_queue_depth', 'warden_dead_letters', 'warden_breaker_state'];
    const compare = async (): Promise<Record<string, number>> => {
      const fromFile = parseMetrics(await databaseMetrics(db));
      const live = parseMetrics(await warden.metrics());
      for (const name of shared) {
        if (live.has(name)) expect(samples(fromFile, name), name).toEqual(samples(live, name));
        else expect(fromFile.has(name), name).toBe(false);
      }
      return samples(fromFile, 'warden_queue_depth');
    };
    expect(await compare()).toEqual({ 'type=later,status=scheduled,priority=3': 1 });
    await warden.enqueue('later', {}, { delayMs: 60_000, priority: 3 });
    warden.breaker('smtp').isolate();
    await clock.settle();
    expect(await compare()).toEqual({ 'type=later,status=scheduled,priority=3': 2 });
  });

  it('refuses what is not a connection, with InvalidOptionError', async () => {
    for (const value of [undefined, 'warden.db', { prepare: 1 }]) {
      await expect(
        databaseMetrics(value as unknown as Database.Database),
        JSON.stringify(value),
      ).rejects.toBeInstanceOf(InvalidOptionError);
    }
    await expect(databaseMetrics('warden.db' as unknown as Database.Database)).rejects.toThrow(
      'Expected `db` to be a better-sqlite3 Database, got `warden.db`',
    );
  });

  it('refuses a file that is not Warden’s, or of another schema version', async () => {
    const file = (name: string, pragmas: readonly string[]): Database.Database => {
      const path = join(dir, name);
      const db = new Database(path);
      for (const pragma of pragmas) db.pragma(pragma);
      db.close();
      return reader(path);
    };
    const foreign = file('foreign.db', ['application_id = 7']);
    await expect(databaseMetrics(foreign)).rejects.toBeInstanceOf(NotAWardenDatabaseError);
    await expect(databaseMetrics(foreign)).rejects.toThrow(/application_id 7, Warden's is/);
    const id = `application_id = ${WARDEN_APPLICATION_ID}`;
    const older = file('older.db', [id, `user_version = ${migrations.length - 1}`]);
    await expect(databaseMetrics(older)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(databaseMetrics(older)).rejects.toThrow(
      `has schema version ${migrations.length - 1}, older than this Warden's ${migrations.length}`,
    );
    const newer = file('newer.db', [id, `user_version = ${migrations.length + 1}`]);
    await expect(databaseMetrics(newer)).rejects.toBeInstanceOf(SchemaTooNewError);
  });
});

import type Database from 'better-sqlite3';
import { Gauge, Registry } from 'prom-client';
import {
  DatabaseUnavailableError,
  InvalidOptionError,
  NotAWardenDatabaseError,
  SchemaTooNewError,
} from '../../errors.js';
import { jobCountRows } from '../../persistence/sqlite/jobCountRows.js';
import { migrations, WARDEN_APPLICATION_ID } from '../../persistence/schema.js';
import { registerBreakerStateMetric, type BreakerStateRow } from './breakerStateMetric.js';
import { registerQueueMetrics } from './queueMetrics.js';

interface CountRow {
  readonly kind: string;
  readonly n: number;
}

interface ErrorCountRow extends CountRow {
  readonly source: string;
}

/** The statements one connection's scrapes share, prepared on its first. */
interface Reads {
  readonly breakers: Database.Statement<[], BreakerStateRow>;
  readonly deadActors: Database.Statement<[], CountRow>;
  readonly errors: Database.Statement<[], ErrorCountRow>;
}

const prepared = new WeakMap<Database.Database, Reads>();

function isDatabase(value: unknown): value is Database.Database {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Database.Database>).prepare === 'function' &&
    typeof (value as Partial<Database.Database>).pragma === 'function'
  );
}

/** Refuses anything but an open connection to a Warden file of this version's schema. */
function readsOf(db: unknown): Reads {
  if (!isDatabase(db)) {
    throw new InvalidOptionError('db', 'a better-sqlite3 Database', db);
  }
  const known = prepared.get(db);
  if (known !== undefined) return known;
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  if (applicationId !== WARDEN_APPLICATION_ID) {
    throw new NotAWardenDatabaseError(
      `\`${db.name}\` is not a Warden database (application_id ${applicationId}, Warden's is ${WARDEN_APPLICATION_ID})`,
    );
  }
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new SchemaTooNewError(
      `\`${db.name}\` has schema version ${version}, newer than this Warden's ${migrations.length}`,
    );
  }
  if (version < migrations.length) {
    throw new DatabaseUnavailableError(
      `\`${db.name}\` has schema version ${version}, older than this Warden's ${migrations.length}: start a Warden on it once to migrate it`,
    );
  }
  const reads: Reads = {
    breakers: db.prepare('SELECT name, state FROM breakers ORDER BY name'),
    deadActors: db.prepare('SELECT kind, count(*) AS n FROM dead_actors GROUP BY kind'),
    errors: db.prepare(
      'SELECT source, kind, count(*) AS n FROM error_events GROUP BY source, kind ORDER BY source, kind',
    ),
  };
  prepared.set(db, reads);
  return reads;
}

/**
 * What a Warden database file tells without a running Warden, as Prometheus text: queue depth by
 * type, status and priority, dead letters, breaker states (as last stored), dead-lettered actors
 * and error events by source and kind. For a process that does not own the file (the CLI's
 * `warden metrics`): it only reads, so a read-only connection will do. A connection to a file that
 * is not Warden's, or of another schema version, is refused with a `DatabaseError`.
 */
export async function databaseMetrics(db: Database.Database): Promise<string> {
  const reads = readsOf(db);
  const registry = new Registry();
  const rows = jobCountRows(db);
  registerQueueMetrics(registry, () => Promise.resolve(rows));
  const breakers = reads.breakers.all();
  registerBreakerStateMetric(registry, () => Promise.resolve(breakers));
  const dead = new Gauge({
    name: 'warden_actors_dead',
    help: 'Supervised actors (workers) and supervisors dead-lettered, waiting for a restart or a removal.',
    labelNames: ['kind'],
    registers: [registry],
  });
  dead.set({ kind: 'worker' }, 0);
  dead.set({ kind: 'supervisor' }, 0);
  for (const row of reads.deadActors.all()) dead.set({ kind: row.kind }, row.n);
  const errors = new Gauge({
    name: 'warden_error_events',
    help: 'Error events kept in the file (within retention), by source and kind.',
    labelNames: ['source', 'kind'],
    registers: [registry],
  });
  for (const row of reads.errors.all()) errors.set({ source: row.source, kind: row.kind }, row.n);
  return registry.metrics();
}

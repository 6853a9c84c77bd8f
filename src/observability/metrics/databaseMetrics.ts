import type Database from 'better-sqlite3';
import { Gauge, Registry } from 'prom-client';
import { jobCountRows } from '../../persistence/sqlite/jobCountRows.js';
import { registerBreakerStateMetric, type BreakerStateRow } from './breakerStateMetric.js';
import { registerQueueMetrics } from './queueMetrics.js';

interface ErrorCountRow {
  readonly source: string;
  readonly kind: string;
  readonly n: number;
}

/** The tables a reader of the file needs, and whether each is there (an old schema lacks some). */
function hasTable(db: Database.Database, name: string): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !==
    undefined
  );
}

/**
 * What a Warden database file tells without a running Warden, as Prometheus text: queue depth by
 * type, status and priority, dead letters, breaker states (as last stored), dead-lettered actors
 * and error events by source and kind. For the CLI, in a process that does not own the file: it
 * only reads, and works on a read-only connection.
 */
export async function databaseMetrics(db: Database.Database): Promise<string> {
  const registry = new Registry();
  const rows = jobCountRows(db);
  registerQueueMetrics(registry, () => Promise.resolve(rows));
  const breakers = hasTable(db, 'breakers')
    ? db.prepare<[], BreakerStateRow>('SELECT name, state FROM breakers ORDER BY name').all()
    : [];
  registerBreakerStateMetric(registry, () => Promise.resolve(breakers));
  const deadActors = hasTable(db, 'dead_actors')
    ? db
        .prepare<[], { kind: string; n: number }>(
          'SELECT kind, count(*) AS n FROM dead_actors GROUP BY kind',
        )
        .all()
    : [];
  const dead = new Gauge({
    name: 'warden_actors_dead',
    help: 'Supervised actors (workers) and supervisors dead-lettered, waiting for a restart or a removal.',
    labelNames: ['kind'],
    registers: [registry],
  });
  dead.set({ kind: 'worker' }, 0);
  dead.set({ kind: 'supervisor' }, 0);
  for (const row of deadActors) dead.set({ kind: row.kind }, row.n);
  const errors = new Gauge({
    name: 'warden_error_events',
    help: 'Error events kept in the file (within retention), by source and kind.',
    labelNames: ['source', 'kind'],
    registers: [registry],
  });
  if (hasTable(db, 'error_events')) {
    const counts = db
      .prepare<[], ErrorCountRow>(
        'SELECT source, kind, count(*) AS n FROM error_events GROUP BY source, kind ORDER BY source, kind',
      )
      .all();
    for (const row of counts) errors.set({ source: row.source, kind: row.kind }, row.n);
  }
  return registry.metrics();
}

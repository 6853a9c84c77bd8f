import { Gauge, type Registry } from 'prom-client';
import { jobStatuses } from '../../machines/jobMachine.js';
import type { JobCountRow } from '../../persistence/Store.js';

/** Reads the job counts once per scrape, however many gauges ask: undefined when unreadable. */
export type JobCountsRead = () => Promise<readonly JobCountRow[] | undefined>;

/** Shares one read between the gauges of one scrape (their collects run in one tick). */
export function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (pending === undefined) {
      const current = read();
      pending = current;
      const clear = (): void => {
        if (pending === current) pending = undefined;
      };
      current.then(clear, clear);
    }
    return pending;
  };
}

/**
 * `warden_queue_depth{type,status,priority}` and `warden_dead_letters{type}`, collected at scrape
 * time from the kept counts (one small read, no scan of the jobs table).
 */
export function registerQueueMetrics(registry: Registry, read: JobCountsRead): void {
  const registers = [registry];
  new Gauge({
    name: 'warden_queue_depth',
    help: 'Jobs by type, status and priority, as stored (empty groups are left out).',
    labelNames: ['type', 'status', 'priority'],
    registers,
    async collect() {
      const rows = await read();
      this.reset();
      for (const row of rows ?? []) {
        this.set({ type: row.type, status: row.status, priority: String(row.priority) }, row.n);
      }
    },
  });
  new Gauge({
    name: 'warden_dead_letters',
    help: 'Dead-lettered jobs waiting for a replay, by type.',
    labelNames: ['type'],
    registers,
    async collect() {
      const rows = await read();
      this.reset();
      const dead = new Map<string, number>();
      for (const row of rows ?? []) {
        if (row.status === 'dead') dead.set(row.type, (dead.get(row.type) ?? 0) + row.n);
      }
      for (const [type, n] of dead) this.set({ type }, n);
    },
  });
}

/** The jobs in each status, summed over types and priorities, 0 for every empty status. */
export function countsByStatus(rows: readonly JobCountRow[]): Map<string, number> {
  const counts = new Map<string, number>(jobStatuses.map((status) => [status, 0]));
  for (const row of rows) counts.set(row.status, (counts.get(row.status) ?? 0) + row.n);
  return counts;
}

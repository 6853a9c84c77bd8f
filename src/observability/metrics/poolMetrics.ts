import { Counter, Gauge, type Registry } from 'prom-client';
import type { PoolStats } from '../../actors/pool.js';

/** One pool and its stats, as the registry reports them. */
export interface PoolRow {
  readonly name: string;
  readonly stats: PoolStats;
}

type Figure = (stats: PoolStats) => number;

const gauges: readonly { name: string; help: string; figure: Figure }[] = [
  {
    name: 'warden_pool_size',
    help: 'Live resources of each pool (creating, idle, leased or being destroyed).',
    figure: (s) => s.size,
  },
  {
    name: 'warden_pool_borrowed',
    help: 'Resources leased out (or retiring once given back), per pool.',
    figure: (s) => s.leased,
  },
  {
    name: 'warden_pool_idle',
    help: 'Idle resources ready to lease, per pool.',
    figure: (s) => s.idle,
  },
  {
    name: 'warden_pool_creating',
    help: 'Resources being created, per pool.',
    figure: (s) => s.creating,
  },
  {
    name: 'warden_pool_waiters',
    help: 'Acquirers waiting for a resource, per pool.',
    figure: (s) => s.waiting,
  },
  {
    name: 'warden_pool_utilisation_ratio',
    help: 'Leased share of max, per pool (0 to 1).',
    figure: (s) => s.utilisation,
  },
  {
    name: 'warden_pool_consecutive_create_failures',
    help: 'Creates that failed since the last one that succeeded, per pool.',
    figure: (s) => s.consecutiveCreateFailures,
  },
];

const counters: readonly { name: string; help: string; figure: Figure }[] = [
  {
    name: 'warden_pool_create_failures_total',
    help: 'Resource creates that failed or timed out, per pool.',
    figure: (s) => s.errors.create,
  },
  {
    name: 'warden_pool_acquire_timeouts_total',
    help: 'Acquires that gave up waiting for a resource, per pool.',
    figure: (s) => s.acquireTimeouts,
  },
  {
    name: 'warden_pool_acquires_total',
    help: 'Leases handed out, per pool.',
    figure: (s) => s.acquires,
  },
];

/** The pool gauges and counters, collected at scrape time from each pool's stats. */
export function registerPoolMetrics(registry: Registry, read: () => readonly PoolRow[]): void {
  const registers = [registry];
  for (const { name, help, figure } of gauges) {
    new Gauge({
      name,
      help,
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const row of read()) this.set({ pool: row.name }, figure(row.stats));
      },
    });
  }
  for (const { name, help, figure } of counters) {
    new Counter({
      name,
      help,
      labelNames: ['pool'],
      registers,
      // The pools keep the running totals: the counter shows them as they are.
      collect() {
        this.reset();
        for (const row of read()) this.inc({ pool: row.name }, figure(row.stats));
      },
    });
  }
}

import type { EventLoopReading } from './healthEventLoop.js';
import type { ResolvedHealthOptions } from './healthOptions.js';
import {
  worstStatus,
  type BreakersCheck,
  type DeadLettersCheck,
  type EventLoopCheck,
  type HealthStatus,
  type PoolHealth,
  type PoolsCheck,
  type StallsCheck,
  type StoreCheck,
  type SupervisionCheck,
} from './healthTypes.js';
import type { LatencySummary } from './healthWindows.js';

/** True when `value` reaches a threshold that is on. */
const reaches = (value: number, threshold: number | null): boolean =>
  threshold !== null && value >= threshold;

/** True when `value` passes a threshold that is on. */
const passes = (value: number, threshold: number | null): boolean =>
  threshold !== null && value > threshold;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** A window for people: `300000` as `5 min`, `10000` as `10 s`, `1500` as `1500 ms`. */
export function windowText(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** The store check: unhealthy while commits fail, else by commit latency. */
export function storeCheck(
  figures: { readonly failure: Error | undefined; readonly failedCommits: number },
  latency: LatencySummary,
  options: ResolvedHealthOptions['store'],
): StoreCheck {
  const worst = Math.max(latency.p99Ms, latency.pendingMs);
  const base = {
    writable: figures.failure === undefined,
    failedCommits: figures.failedCommits,
    commitP99Ms: latency.p99Ms,
    commitMaxMs: latency.maxMs,
    commits: latency.samples,
    pendingCommits: latency.pending,
    pendingMs: latency.pendingMs,
  };
  const slow =
    latency.pendingMs > latency.p99Ms
      ? `a commit has waited ${latency.pendingMs} ms`
      : `commit p99 is ${latency.p99Ms} ms`;
  if (figures.failure !== undefined) {
    return {
      status: 'unhealthy',
      ...base,
      message: `group commits fail (${figures.failedCommits} in a row): ${figures.failure.message}`,
    };
  }
  if (passes(worst, options.unhealthyMs)) {
    return { status: 'unhealthy', ...base, message: `${slow}, over ${options.unhealthyMs} ms` };
  }
  if (passes(worst, options.degradedMs)) {
    return { status: 'degraded', ...base, message: `${slow}, over ${options.degradedMs} ms` };
  }
  return { status: 'healthy', ...base, message: `writable; commit p99 ${latency.p99Ms} ms` };
}

/** Root states in which it has given up: `failing` while it stops its children, then `failed`. */
const rootDown: ReadonlySet<string> = new Set(['failing', 'failed', 'dead']);

/** The supervision check: unhealthy the moment the root gives up, degraded by escalations and dead actors. */
export function supervisionCheck(
  figures: {
    readonly root: string;
    readonly down: boolean;
    readonly escalations: number;
    readonly deadActors: readonly string[];
  },
  options: ResolvedHealthOptions['supervision'],
): SupervisionCheck {
  const base = {
    root: figures.root,
    escalations: figures.escalations,
    deadActors: figures.deadActors,
  };
  if (rootDown.has(figures.root) || figures.down) {
    return {
      status: 'unhealthy',
      ...base,
      message: rootDown.has(figures.root)
        ? `the root supervisor gave up (${figures.root})`
        : 'Warden is down: its database file was taken over',
    };
  }
  const reasons: string[] = [];
  if (reaches(figures.escalations, options.degradedEscalations)) {
    reasons.push(`${plural(figures.escalations, 'escalation')} in ${windowText(options.windowMs)}`);
  }
  if (reaches(figures.deadActors.length, options.degradedDeadActors)) {
    reasons.push(`dead-lettered: ${figures.deadActors.join(', ')}`);
  }
  if (reasons.length > 0) return { status: 'degraded', ...base, message: reasons.join('; ') };
  return { status: 'healthy', ...base, message: `the root supervisor is ${figures.root}` };
}

/** The breakers check: degraded while any breaker is open or isolated. */
export function breakersCheck(
  breakers: Iterable<{ readonly name: string; readonly state: string }>,
): BreakersCheck {
  const open: string[] = [];
  const isolated: string[] = [];
  const halfOpen: string[] = [];
  for (const { name, state } of breakers) {
    if (state === 'open') open.push(name);
    else if (state === 'isolated') isolated.push(name);
    else if (state === 'half-open') halfOpen.push(name);
  }
  const refusing = [...open.map((n) => `${n} (open)`), ...isolated.map((n) => `${n} (isolated)`)];
  return {
    status: refusing.length > 0 ? 'degraded' : 'healthy',
    open,
    isolated,
    halfOpen,
    message:
      refusing.length > 0
        ? `refusing calls: ${refusing.join(', ')}`
        : halfOpen.length > 0
          ? `trying again: ${halfOpen.join(', ')}`
          : 'every breaker is closed',
  };
}

/** What the pools check reads of one pool. */
export interface PoolFigures {
  readonly name: string;
  readonly state: string;
  readonly utilisation: number;
  readonly waiting: number;
  readonly saturated: boolean;
  readonly consecutiveCreateFailures: number;
}

/** One pool's status: degraded while saturated or failed, by failing creates per the thresholds. */
export function poolHealth(pool: PoolFigures, options: ResolvedHealthOptions['pools']): PoolHealth {
  const failures = pool.consecutiveCreateFailures;
  const status: HealthStatus = reaches(failures, options.unhealthyCreateFailures)
    ? 'unhealthy'
    : reaches(failures, options.degradedCreateFailures) || pool.saturated || pool.state === 'failed'
      ? 'degraded'
      : 'healthy';
  return { ...pool, status };
}

/** The pools check: the worst pool. */
export function poolsCheck(
  pools: readonly PoolFigures[],
  options: ResolvedHealthOptions['pools'],
): PoolsCheck {
  const judged = pools.map((pool) => poolHealth(pool, options));
  const status = worstStatus(judged.map((pool) => pool.status));
  const troubled = judged
    .filter((pool) => pool.status !== 'healthy')
    .map((pool) => {
      const why: string[] = [];
      if (pool.state === 'failed') why.push('failed');
      if (pool.saturated) why.push(`saturated, ${pool.waiting} waiting`);
      if (reaches(pool.consecutiveCreateFailures, options.degradedCreateFailures)) {
        why.push(`${pool.consecutiveCreateFailures} creates failed in a row`);
      }
      return `${pool.name} (${why.join(', ')})`;
    });
  return {
    status,
    pools: judged,
    message:
      troubled.length > 0 ? troubled.join('; ') : `${plural(pools.length, 'pool')}, none saturated`,
  };
}

/** The dead-letters (or stalls) check: degraded at the threshold within the window. */
export function countCheck(
  what: 'dead' | 'stalled',
  figures: { readonly recent: number; readonly total: number },
  options: ResolvedHealthOptions['deadLetters'],
): DeadLettersCheck & StallsCheck {
  const status: HealthStatus = reaches(figures.recent, options.degradedCount)
    ? 'degraded'
    : 'healthy';
  const verb = what === 'dead' ? 'dead-lettered' : 'found stalled';
  return {
    status,
    recent: figures.recent,
    total: figures.total,
    windowMs: options.windowMs,
    message: `${plural(figures.recent, 'job')} ${verb} in the last ${windowText(options.windowMs)}`,
  };
}

/** The event-loop check: by the p99 delay of this window and the one before. */
export function eventLoopCheck(
  reading: EventLoopReading,
  options: ResolvedHealthOptions['eventLoop'],
): EventLoopCheck {
  const base = { lagP99Ms: reading.p99Ms, lagMaxMs: reading.maxMs, samples: reading.samples };
  const lag = `event-loop delay p99 is ${reading.p99Ms} ms`;
  if (passes(reading.p99Ms, options.unhealthyMs)) {
    return { status: 'unhealthy', ...base, message: `${lag}, over ${options.unhealthyMs} ms` };
  }
  if (passes(reading.p99Ms, options.degradedMs)) {
    return { status: 'degraded', ...base, message: `${lag}, over ${options.degradedMs} ms` };
  }
  return { status: 'healthy', ...base, message: lag };
}

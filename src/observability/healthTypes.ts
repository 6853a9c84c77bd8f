import type { SerializedError } from '../errors.js';

/** How well a component (or the whole Warden) works: `degraded` still works, but needs a look. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** Where a Warden is in its life: `idle` until `start()`, `stopped` for good after `stop()`. */
export type WardenState = 'idle' | 'running' | 'stopping' | 'stopped';

/** What every check reports: its status and one sentence saying why. */
export interface HealthCheck {
  readonly status: HealthStatus;
  readonly message: string;
}

/** The database: whether group commits go through, and how long they take. */
export interface StoreCheck extends HealthCheck {
  /** False while group commits fail (they are retried with backoff). */
  readonly writable: boolean;
  /** Group commits that failed in a row. */
  readonly failedCommits: number;
  /** The 99th percentile of commit latency over the window (the last 1,024 commits at most). */
  readonly commitP99Ms: number;
  readonly commitMaxMs: number;
  /** Commits measured in the window. */
  readonly commits: number;
  /** Commits sent and not yet answered (at most two). */
  readonly pendingCommits: number;
  /** How long the oldest commit still in flight has waited; 0 when none is. */
  readonly pendingMs: number;
}

/** The supervision tree: the root's state, escalations and dead-lettered actors. */
export interface SupervisionCheck extends HealthCheck {
  /** The root supervisor's state: `failing` the moment it gives up, `failed` once its children stopped. */
  readonly root: string;
  /** Supervisors that exceeded their restart intensity within the window. */
  readonly escalations: number;
  /** The ids of the dead-lettered actors (those of earlier processes included), until revived or removed. */
  readonly deadActors: readonly string[];
}

/** The circuit breakers that refuse calls. */
export interface BreakersCheck extends HealthCheck {
  readonly open: readonly string[];
  readonly isolated: readonly string[];
  readonly halfOpen: readonly string[];
}

/** One pool's figures in the pools check. */
export interface PoolHealth {
  readonly name: string;
  readonly status: HealthStatus;
  readonly state: string;
  /** Leased share of `max`. */
  readonly utilisation: number;
  /** Acquirers waiting for a resource. */
  readonly waiting: number;
  /** At least the pool's `saturation` share leased while acquirers wait. */
  readonly saturated: boolean;
  /** Creates that failed since the last one that succeeded. */
  readonly consecutiveCreateFailures: number;
}

/** The resource pools: saturation and creates that keep failing. */
export interface PoolsCheck extends HealthCheck {
  readonly pools: readonly PoolHealth[];
}

/** Jobs that went `dead` within the window. */
export interface DeadLettersCheck extends HealthCheck {
  /** Jobs dead-lettered within the window. */
  readonly recent: number;
  /** Jobs dead-lettered since `start()`. */
  readonly total: number;
  readonly windowMs: number;
}

/** Jobs found stalled (left running or claimed by a process that died) within the window. */
export interface StallsCheck extends HealthCheck {
  readonly recent: number;
  readonly total: number;
  readonly windowMs: number;
}

/** How late the event loop runs timers. */
export interface EventLoopCheck extends HealthCheck {
  /** The 99th percentile of the event-loop delay over this window and the one before. */
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  /** Delays measured. */
  readonly samples: number;
}

/** One check per component. */
export interface HealthChecks {
  readonly store: StoreCheck;
  readonly supervision: SupervisionCheck;
  readonly breakers: BreakersCheck;
  readonly pools: PoolsCheck;
  readonly deadLetters: DeadLettersCheck;
  readonly stalls: StallsCheck;
  readonly eventLoop: EventLoopCheck;
}

/**
 * Whether Warden works, for a readiness probe or an operator: the worst of its checks, and
 * `unhealthy` whenever it is not running. Plain JSON.
 */
export interface Health {
  readonly status: HealthStatus;
  readonly lifecycle: WardenState;
  /** Jobs running in this process. */
  readonly running: number;
  readonly checks: HealthChecks;
  /** Why the root supervisor gave up (or the file was taken over), or else why commits fail. */
  readonly error?: SerializedError;
}

/** Every check's name, in the order `health()` lists them. */
export const healthCheckNames = [
  'store',
  'supervision',
  'breakers',
  'pools',
  'deadLetters',
  'stalls',
  'eventLoop',
] as const satisfies readonly (keyof HealthChecks)[];

const rank: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/** The worse of the statuses (`healthy` for none). */
export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'healthy';
  for (const status of statuses) if (rank[status] > rank[worst]) worst = status;
  return worst;
}

/** The worst status among the checks. */
export function worstCheck(checks: HealthChecks): HealthStatus {
  return worstStatus(healthCheckNames.map((name) => checks[name].status));
}

import { InvalidOptionError } from '../errors.js';
import { checkInteger, checkObject, checkOptions, keysOf } from '../options.js';
import type { EventLoopSampler } from './healthEventLoop.js';

/** The longest window a check may look back over: a week. */
export const maxHealthWindowMs = 7 * 24 * 3_600_000;

/** The thresholds of `warden.health()`'s checks (`createWarden({ health })`); `null` turns one off. */
export interface HealthOptions {
  readonly store?: {
    /** Commits answered within this long are measured. @default 60_000 */
    readonly windowMs?: number;
    /** `degraded` once the commit p99 (or a commit still in flight) passes this. @default 250 */
    readonly degradedMs?: number | null;
    /** `unhealthy` once the commit p99 (or a commit still in flight) passes this. @default 5_000 */
    readonly unhealthyMs?: number | null;
  };
  readonly supervision?: {
    /** Escalations within this long are counted. @default 300_000 */
    readonly windowMs?: number;
    /** `degraded` at this many escalations within the window. @default 1 */
    readonly degradedEscalations?: number | null;
    /** `degraded` at this many dead-lettered actors. @default 1 */
    readonly degradedDeadActors?: number | null;
  };
  readonly pools?: {
    /** A pool is `degraded` after this many creates failed in a row. @default 3 */
    readonly degradedCreateFailures?: number | null;
    /** A pool is `unhealthy` after this many creates failed in a row. @default 10 */
    readonly unhealthyCreateFailures?: number | null;
  };
  readonly deadLetters?: {
    /** Jobs dead-lettered within this long are counted. @default 300_000 */
    readonly windowMs?: number;
    /** `degraded` at this many jobs dead-lettered within the window. @default 1 */
    readonly degradedCount?: number | null;
  };
  readonly stalls?: {
    /** Stalled jobs found within this long are counted. @default 300_000 */
    readonly windowMs?: number;
    /** `degraded` at this many stalled jobs within the window. @default 1 */
    readonly degradedCount?: number | null;
  };
  readonly eventLoop?: {
    /** Delays are read over this window and the one before it. @default 10_000 */
    readonly windowMs?: number;
    /** `degraded` once the p99 event-loop delay passes this. @default 200 */
    readonly degradedMs?: number | null;
    /** `unhealthy` once the p99 event-loop delay passes this. @default 1_000 */
    readonly unhealthyMs?: number | null;
    /** What measures the delay. @default perf_hooks.monitorEventLoopDelay every 20 ms */
    readonly sampler?: EventLoopSampler;
  };
}

/** `health` options with every default applied (`null`: that threshold is off). */
export interface ResolvedHealthOptions {
  readonly store: {
    readonly windowMs: number;
    readonly degradedMs: number | null;
    readonly unhealthyMs: number | null;
  };
  readonly supervision: {
    readonly windowMs: number;
    readonly degradedEscalations: number | null;
    readonly degradedDeadActors: number | null;
  };
  readonly pools: {
    readonly degradedCreateFailures: number | null;
    readonly unhealthyCreateFailures: number | null;
  };
  readonly deadLetters: { readonly windowMs: number; readonly degradedCount: number | null };
  readonly stalls: { readonly windowMs: number; readonly degradedCount: number | null };
  readonly eventLoop: {
    readonly windowMs: number;
    readonly degradedMs: number | null;
    readonly unhealthyMs: number | null;
    /** `null`: the default sampler. */
    readonly sampler: EventLoopSampler | null;
  };
}

/** Defaults of the `health` option (`sampler: null` is `perf_hooks.monitorEventLoopDelay`). */
export const defaultHealthOptions = {
  store: { windowMs: 60_000, degradedMs: 250, unhealthyMs: 5_000 },
  supervision: { windowMs: 300_000, degradedEscalations: 1, degradedDeadActors: 1 },
  pools: { degradedCreateFailures: 3, unhealthyCreateFailures: 10 },
  deadLetters: { windowMs: 300_000, degradedCount: 1 },
  stalls: { windowMs: 300_000, degradedCount: 1 },
  eventLoop: { windowMs: 10_000, degradedMs: 200, unhealthyMs: 1_000, sampler: null },
} as const satisfies ResolvedHealthOptions;

type Section<K extends keyof HealthOptions> = NonNullable<HealthOptions[K]>;

const healthKeys = keysOf<HealthOptions>({
  store: true,
  supervision: true,
  pools: true,
  deadLetters: true,
  stalls: true,
  eventLoop: true,
});
const sectionKeys = {
  store: keysOf<Section<'store'>>({ windowMs: true, degradedMs: true, unhealthyMs: true }),
  supervision: keysOf<Section<'supervision'>>({
    windowMs: true,
    degradedEscalations: true,
    degradedDeadActors: true,
  }),
  pools: keysOf<Section<'pools'>>({ degradedCreateFailures: true, unhealthyCreateFailures: true }),
  deadLetters: keysOf<Section<'deadLetters'>>({ windowMs: true, degradedCount: true }),
  stalls: keysOf<Section<'stalls'>>({ windowMs: true, degradedCount: true }),
  eventLoop: keysOf<Section<'eventLoop'>>({
    windowMs: true,
    degradedMs: true,
    unhealthyMs: true,
    sampler: true,
  }),
};

/** A threshold: a whole number within `[min, max]`, or `null` for none. */
function threshold(
  name: string,
  value: unknown,
  fallback: number | null,
  min: number,
  max: number,
): number | null {
  if (value === null) return null;
  return checkInteger(name, value ?? fallback, min, max);
}

/** An upper threshold that must not be below the lower one. */
function above(name: string, value: number | null, lowerName: string, lower: number | null) {
  if (value !== null && lower !== null && value < lower) {
    throw new InvalidOptionError(name, `a number not below \`${lowerName}\` (${lower})`, value);
  }
  return value;
}

const samplerMethods = ['start', 'stop', 'read', 'reset'] as const;

/** An `EventLoopSampler`: an object with `start`, `stop`, `read` and `reset`. */
function checkSampler(value: unknown): EventLoopSampler | null {
  if (value === undefined) return null;
  const sampler = checkObject('health.eventLoop.sampler', value);
  const missing = samplerMethods.filter((method) => typeof sampler[method] !== 'function');
  if (missing.length > 0) {
    throw new InvalidOptionError(
      'health.eventLoop.sampler',
      `an EventLoopSampler (it lacks ${missing.map((m) => `\`${m}()\``).join(', ')})`,
      value,
    );
  }
  return value as EventLoopSampler;
}

/** Validates the `health` option of `createWarden` (unknown keys refused) and fills in its defaults. */
export function resolveHealthOptions(input: unknown): ResolvedHealthOptions {
  const given = checkOptions<HealthOptions>('health', input, healthKeys);
  const d = defaultHealthOptions;
  const window = (name: string, value: unknown, fallback: number): number =>
    checkInteger(`health.${name}.windowMs`, value ?? fallback, 1, maxHealthWindowMs);
  const ms = (name: string, value: unknown, fallback: number | null): number | null =>
    threshold(`health.${name}`, value, fallback, 0, maxHealthWindowMs);
  const count = (name: string, value: unknown, fallback: number | null): number | null =>
    threshold(`health.${name}`, value, fallback, 1, 1_000_000_000);

  const store = checkOptions<Section<'store'>>('health.store', given.store, sectionKeys.store);
  const storeDegraded = ms('store.degradedMs', store.degradedMs, d.store.degradedMs);
  const supervision = checkOptions<Section<'supervision'>>(
    'health.supervision',
    given.supervision,
    sectionKeys.supervision,
  );
  const pools = checkOptions<Section<'pools'>>('health.pools', given.pools, sectionKeys.pools);
  const poolsDegraded = count(
    'pools.degradedCreateFailures',
    pools.degradedCreateFailures,
    d.pools.degradedCreateFailures,
  );
  const deadLetters = checkOptions<Section<'deadLetters'>>(
    'health.deadLetters',
    given.deadLetters,
    sectionKeys.deadLetters,
  );
  const stalls = checkOptions<Section<'stalls'>>('health.stalls', given.stalls, sectionKeys.stalls);
  const loop = checkOptions<Section<'eventLoop'>>(
    'health.eventLoop',
    given.eventLoop,
    sectionKeys.eventLoop,
  );
  const loopDegraded = ms('eventLoop.degradedMs', loop.degradedMs, d.eventLoop.degradedMs);
  return {
    store: {
      windowMs: window('store', store.windowMs, d.store.windowMs),
      degradedMs: storeDegraded,
      unhealthyMs: above(
        'health.store.unhealthyMs',
        ms('store.unhealthyMs', store.unhealthyMs, d.store.unhealthyMs),
        'health.store.degradedMs',
        storeDegraded,
      ),
    },
    supervision: {
      windowMs: window('supervision', supervision.windowMs, d.supervision.windowMs),
      degradedEscalations: count(
        'supervision.degradedEscalations',
        supervision.degradedEscalations,
        d.supervision.degradedEscalations,
      ),
      degradedDeadActors: count(
        'supervision.degradedDeadActors',
        supervision.degradedDeadActors,
        d.supervision.degradedDeadActors,
      ),
    },
    pools: {
      degradedCreateFailures: poolsDegraded,
      unhealthyCreateFailures: above(
        'health.pools.unhealthyCreateFailures',
        count(
          'pools.unhealthyCreateFailures',
          pools.unhealthyCreateFailures,
          d.pools.unhealthyCreateFailures,
        ),
        'health.pools.degradedCreateFailures',
        poolsDegraded,
      ),
    },
    deadLetters: {
      windowMs: window('deadLetters', deadLetters.windowMs, d.deadLetters.windowMs),
      degradedCount: count(
        'deadLetters.degradedCount',
        deadLetters.degradedCount,
        d.deadLetters.degradedCount,
      ),
    },
    stalls: {
      windowMs: window('stalls', stalls.windowMs, d.stalls.windowMs),
      degradedCount: count('stalls.degradedCount', stalls.degradedCount, d.stalls.degradedCount),
    },
    eventLoop: {
      windowMs: window('eventLoop', loop.windowMs, d.eventLoop.windowMs),
      degradedMs: loopDegraded,
      unhealthyMs: above(
        'health.eventLoop.unhealthyMs',
        ms('eventLoop.unhealthyMs', loop.unhealthyMs, d.eventLoop.unhealthyMs),
        'health.eventLoop.degradedMs',
        loopDegraded,
      ),
      sampler: checkSampler(loop.sampler),
    },
  };
}

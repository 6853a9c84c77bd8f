import { realClock, type Clock } from '../clock.js';
import { InvalidOptionError } from '../errors.js';
import {
  defaultHealthOptions,
  resolveHealthOptions,
  type HealthOptions,
  type ResolvedHealthOptions,
} from '../observability/healthOptions.js';
import {
  defaultErrorRetention,
  resolveErrorRetention,
  type ErrorRetention,
  type ErrorRetentionOptions,
} from '../observability/errorLog.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import {
  defaultSnapshotIntervalMs,
  snapshotIntervalBounds,
} from '../observability/snapshotPublisher.js';
import { checkFunction, checkInteger, checkOptions, checkString, keysOf } from '../options.js';
import { defaultChildOptions } from '../supervisor/childSpec.js';
import { maxTimerMs } from '../actors/jobDefinition.js';
import { defaultMaxStalls } from '../machines/jobMachine.js';
import { claimsPerSlot } from '../supervisor/runner/claimBuffer.js';

/** Options of `createWarden`. */
export interface WardenOptions {
  /** The SQLite file to keep everything in, or `':memory:'`. @default 'warden.db' */
  readonly database?: string;
  /** At most this many jobs run at once, across all types. @default 8 */
  readonly concurrency?: number;
  /**
   * At most this many jobs are held by this process, claimed ahead of free slots or running: a
   * slot that frees starts a claimed job at once, without waiting for a commit. At least
   * `concurrency`. @default 4 × concurrency
   */
  readonly claimDepth?: number;
  /**
   * Recoveries from `claimed` after a crash that a job may go through before one counts as a
   * stalled attempt (see "Crash recovery" in the README). @default 3
   */
  readonly maxStalls?: number;
  /** A pino logger; Warden logs nothing without one. */
  readonly logger?: Logger;
  /** The source of time and timers. @default the wall clock */
  readonly clock?: Clock;
  /** Random numbers in [0, 1) for backoff jitter. @default Math.random */
  readonly random?: () => number;
  /** SQLite `synchronous`: `full` survives power loss, `normal` only a process crash. @default 'full' */
  readonly synchronous?: 'full' | 'normal';
  /** The root supervisor's restart intensity. @default { maxRestarts: 3, withinMs: 5000 } */
  readonly supervision?: { readonly maxRestarts?: number; readonly withinMs?: number };
  /** Called when the root supervisor gives up. Warden never exits the process itself. @default logs at fatal level */
  readonly onFatal?: (error: Error) => void;
  /** The thresholds of `health()`'s checks (see docs/health.md). @default defaultHealthOptions */
  readonly health?: HealthOptions;
  /**
   * How often the file's owner looks for commands issued by other processes (the `warden` CLI):
   * a command is taken within this time, then carried out. @default 250
   */
  readonly commandPollMs?: number;
  /** How long error events are kept (see docs/errors.md). @default { maxAgeMs: 7 days, maxRows: 100_000 } */
  readonly errorRetention?: ErrorRetentionOptions;
  /** How often the file's owner publishes its runtime snapshots for other processes. @default 1000 */
  readonly snapshotIntervalMs?: number;
}

/** `createWarden` options with every default applied; `onFatal` is `null` for none. */
export interface ResolvedWardenOptions {
  readonly database: string;
  readonly concurrency: number;
  readonly claimDepth: number;
  readonly maxStalls: number;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: () => number;
  readonly synchronous: 'full' | 'normal';
  readonly supervision: { readonly maxRestarts: number; readonly withinMs: number };
  readonly onFatal: ((error: Error) => void) | null;
  readonly health: ResolvedHealthOptions;
  readonly commandPollMs: number;
  readonly errorRetention: ErrorRetention;
  readonly snapshotIntervalMs: number;
}

/**
 * Defaults of `createWarden`, every option's (`null` is none; the logger writes nothing;
 * `claimDepth: null` is `claimsPerSlot` (4) × `concurrency`).
 */
export const defaultWardenOptions = {
  database: 'warden.db',
  concurrency: 8,
  claimDepth: null,
  maxStalls: defaultMaxStalls,
  logger: silentLogger(),
  clock: realClock,
  random: Math.random,
  synchronous: 'full',
  supervision: {
    maxRestarts: defaultChildOptions.maxRestarts,
    withinMs: defaultChildOptions.withinMs,
  },
  onFatal: null,
  health: defaultHealthOptions,
  commandPollMs: 250,
  errorRetention: defaultErrorRetention,
  snapshotIntervalMs: defaultSnapshotIntervalMs,
} as const satisfies Omit<ResolvedWardenOptions, 'claimDepth'> & { readonly claimDepth: null };

/** Options of `stop`. */
export interface StopOptions {
  /** How long running jobs may take to finish before their signals are aborted. @default 10_000 */
  readonly graceMs?: number;
}

/** `stop()`'s options with every default applied. */
export interface ResolvedStopOptions {
  readonly graceMs: number;
}

/** Defaults of `stop()`. */
export const defaultStopOptions = { graceMs: 10_000 } as const satisfies ResolvedStopOptions;

const wardenOptionKeys = keysOf<WardenOptions>({
  database: true,
  concurrency: true,
  claimDepth: true,
  maxStalls: true,
  logger: true,
  clock: true,
  random: true,
  synchronous: true,
  supervision: true,
  onFatal: true,
  health: true,
  commandPollMs: true,
  errorRetention: true,
  snapshotIntervalMs: true,
});
const supervisionKeys = keysOf<NonNullable<WardenOptions['supervision']>>({
  maxRestarts: true,
  withinMs: true,
});
const synchronousModes: readonly ResolvedWardenOptions['synchronous'][] = ['full', 'normal'];

const loggerMethods = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'child'] as const;

/** A pino logger (or anything with its methods). */
function checkLogger(value: unknown): Logger {
  const missing =
    typeof value === 'object' && value !== null
      ? loggerMethods.filter(
          (method) => typeof (value as Record<string, unknown>)[method] !== 'function',
        )
      : loggerMethods;
  if (missing.length > 0) {
    throw new InvalidOptionError(
      'logger',
      `a pino logger (it lacks ${missing.map((m) => `\`${m}()\``).join(', ')})`,
      value,
    );
  }
  return value as Logger;
}

/** A clock whose `now()` reads a finite number; checked once, when Warden is created. */
export function checkClock(value: unknown): Clock {
  const clock = value as Partial<Clock> | null;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function' ||
    typeof clock.clearTimeout !== 'function'
  ) {
    throw new InvalidOptionError('clock', 'a Clock with now, setTimeout and clearTimeout', value);
  }
  const now: unknown = clock.now();
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new InvalidOptionError('clock', 'a Clock whose now() is a finite number of ms', now);
  }
  return clock as Clock;
}

/** Validates `createWarden`'s options (unknown keys refused) and fills in their defaults. */
export function resolveWardenOptions(input: unknown): ResolvedWardenOptions {
  const given = checkOptions<WardenOptions>('createWarden options', input, wardenOptionKeys);
  const defaults = defaultWardenOptions;
  const synchronous = synchronousModes.find(
    (mode) => mode === (given.synchronous ?? defaults.synchronous),
  );
  if (synchronous === undefined) {
    throw new InvalidOptionError('synchronous', "`'full'` or `'normal'`", given.synchronous);
  }
  const random =
    given.random === undefined
      ? defaults.random
      : checkFunction<() => number>('random', given.random);
  const clock = checkClock(given.clock ?? defaults.clock);
  const supervision = checkOptions<NonNullable<WardenOptions['supervision']>>(
    'supervision',
    given.supervision,
    supervisionKeys,
  );
  const onFatal =
    given.onFatal === undefined
      ? defaults.onFatal
      : checkFunction<(error: Error) => void>('onFatal', given.onFatal);
  const concurrency = checkInteger(
    'concurrency',
    given.concurrency ?? defaults.concurrency,
    1,
    100_000,
  );
  return {
    claimDepth: checkInteger(
      'claimDepth',
      given.claimDepth ?? defaults.claimDepth ?? claimsPerSlot * concurrency,
      concurrency,
      1_000_000,
    ),
    maxStalls: checkInteger('maxStalls', given.maxStalls ?? defaults.maxStalls, 0, 1000),
    supervision: {
      maxRestarts: checkInteger(
        'supervision.maxRestarts',
        supervision.maxRestarts ?? defaults.supervision.maxRestarts,
        0,
        1_000_000,
      ),
      withinMs: checkInteger(
        'supervision.withinMs',
        supervision.withinMs ?? defaults.supervision.withinMs,
        1,
        maxTimerMs,
      ),
    },
    onFatal,
    health: resolveHealthOptions(given.health),
    commandPollMs: checkInteger(
      'commandPollMs',
      given.commandPollMs ?? defaults.commandPollMs,
      1,
      60_000,
    ),
    errorRetention: resolveErrorRetention(given.errorRetention),
    snapshotIntervalMs: checkInteger(
      'snapshotIntervalMs',
      given.snapshotIntervalMs ?? defaults.snapshotIntervalMs,
      snapshotIntervalBounds.min,
      snapshotIntervalBounds.max,
    ),
    database: checkString('database', given.database ?? defaults.database, 4096),
    concurrency,
    logger: given.logger === undefined ? defaults.logger : checkLogger(given.logger),
    clock,
    random,
    synchronous,
  };
}

/** Validates `stop()`'s options (unknown keys refused) and fills in their defaults. */
export function resolveStopOptions(input: unknown): ResolvedStopOptions {
  const given = checkOptions<StopOptions>(
    'stop options',
    input,
    keysOf<StopOptions>({ graceMs: true }),
  );
  return {
    graceMs: checkInteger('graceMs', given.graceMs ?? defaultStopOptions.graceMs, 0, maxTimerMs),
  };
}

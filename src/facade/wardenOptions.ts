import { realClock, type Clock } from '../clock.js';
import { InvalidOptionError } from '../errors.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { checkInteger, checkKeys, checkObject, checkString } from '../options.js';
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
}

/** `createWarden` options with every default applied. */
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
  readonly onFatal: ((error: Error) => void) | undefined;
}

/** Defaults of `createWarden`. */
export const defaultWardenOptions = {
  database: 'warden.db',
  concurrency: 8,
  synchronous: 'full',
} as const;

/** Options of `stop`. */
export interface StopOptions {
  /** How long running jobs may take to finish before their signals are aborted. @default 10_000 */
  readonly graceMs?: number;
}

const loggerMethods = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'child'] as const;

/** A pino logger (or anything with its methods), or a silent one when none is given. */
function checkLogger(value: unknown): Logger {
  if (value === undefined) return silentLogger();
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
function checkClock(value: unknown): Clock {
  const clock = (value ?? realClock) as Partial<Clock> | null;
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

/** Validates `createWarden`'s options and fills in their defaults. */
export function resolveWardenOptions(input: unknown): ResolvedWardenOptions {
  const options = checkObject('createWarden options', input);
  checkKeys('createWarden options', options, [
    'database',
    'concurrency',
    'claimDepth',
    'maxStalls',
    'logger',
    'clock',
    'random',
    'synchronous',
    'supervision',
    'onFatal',
  ]);
  const synchronous = options['synchronous'] ?? defaultWardenOptions.synchronous;
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw new InvalidOptionError('synchronous', "`'full'` or `'normal'`", synchronous);
  }
  const random = options['random'] ?? Math.random;
  if (typeof random !== 'function') throw new InvalidOptionError('random', 'a function', random);
  const clock = checkClock(options['clock']);
  const supervision = checkObject('supervision', options['supervision']);
  checkKeys('supervision', supervision, ['maxRestarts', 'withinMs']);
  const onFatal = options['onFatal'];
  if (onFatal !== undefined && typeof onFatal !== 'function') {
    throw new InvalidOptionError('onFatal', 'a function', onFatal);
  }
  const concurrency = checkInteger(
    'concurrency',
    options['concurrency'] ?? defaultWardenOptions.concurrency,
    1,
    100_000,
  );
  return {
    claimDepth: checkInteger(
      'claimDepth',
      options['claimDepth'] ?? claimsPerSlot * concurrency,
      concurrency,
      1_000_000,
    ),
    maxStalls: checkInteger('maxStalls', options['maxStalls'] ?? defaultMaxStalls, 0, 1000),
    supervision: {
      maxRestarts: checkInteger(
        'supervision.maxRestarts',
        supervision['maxRestarts'] ?? defaultChildOptions.maxRestarts,
        0,
        1_000_000,
      ),
      withinMs: checkInteger(
        'supervision.withinMs',
        supervision['withinMs'] ?? defaultChildOptions.withinMs,
        1,
        maxTimerMs,
      ),
    },
    onFatal: onFatal as ((error: Error) => void) | undefined,
    database: checkString('database', options['database'] ?? defaultWardenOptions.database, 4096),
    concurrency,
    logger: checkLogger(options['logger']),
    clock,
    random: random as () => number,
    synchronous,
  };
}

/** Validates `stop()`'s options, unknown keys refused, and returns its grace in ms. */
export function resolveStopGrace(options: unknown): number {
  const given = checkObject('stop options', options);
  checkKeys('stop options', given, ['graceMs']);
  return checkInteger('graceMs', given['graceMs'] ?? 10_000, 0, maxTimerMs);
}

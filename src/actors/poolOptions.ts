import { InvalidOptionError } from '../errors.js';
import { checkFunction, checkInteger, checkKeys, checkNumber, checkObject } from '../options.js';
import { resolveBackoff, type BackoffOptions, type ResolvedBackoff } from '../policies/backoff.js';

const maxMs = 2_147_483_647;

/** What a pool's `create`, `destroy` and `validate` receive. */
export interface PoolOperationContext {
  /** Aborted when the operation runs past its timeout. */
  readonly signal: AbortSignal;
}

/** What a pool's `create` receives. */
export interface PoolCreateContext extends PoolOperationContext {
  /** Call when the resource dies on its own (its process exits, its connection drops): it is destroyed and replaced. */
  readonly lost: (error?: Error) => void;
}

/** Options of `warden.pool(name, options)`. */
export interface PoolOptions<R> {
  /** Makes a resource; throw to fail (retried with `createBackoff`). */
  readonly create: (ctx: PoolCreateContext) => R | Promise<R>;
  /** Releases a resource for good. @default nothing */
  readonly destroy?: (resource: R, ctx: PoolOperationContext) => void | Promise<void>;
  /** Returns false for a resource that must not be handed out (checked on borrow and by health checks). @default none */
  readonly validate?: (resource: R, ctx: PoolOperationContext) => boolean | Promise<boolean>;
  /** Returns true for an error thrown in `use` that means the resource is broken: it is destroyed and replaced. @default none */
  readonly isBroken?: (error: Error, resource: R) => boolean;
  /** Resources kept even when idle. @default 0 */
  readonly min?: number;
  /** Resources at most, leased or not. @default 10 */
  readonly max?: number;
  /** An acquire waits at most this long for a resource. @default 30_000 */
  readonly acquireTimeoutMs?: number;
  /** An idle resource beyond `min` is destroyed after this long. @default 30_000 */
  readonly idleTimeoutMs?: number;
  /** A resource is destroyed after this many leases. @default none */
  readonly maxUses?: number;
  /** A resource is destroyed this long after it was created (once released, if leased). @default none */
  readonly maxAgeMs?: number;
  /** A `create` is aborted and abandoned past this. @default 30_000 */
  readonly createTimeoutMs?: number;
  /** A `destroy` is aborted and its resource abandoned past this. @default 5_000 */
  readonly destroyTimeoutMs?: number;
  /** A `validate` past this counts as a failed check. @default 5_000 */
  readonly validateTimeoutMs?: number;
  /** Validate each resource as it is handed out. @default false */
  readonly validateOnBorrow?: boolean;
  /** Validate idle resources this often. @default none */
  readonly healthCheckIntervalMs?: number;
  /** `degraded` once this share of `max` is leased while acquirers wait. @default 0.9 */
  readonly saturation?: number;
  /** Wait between failed creates of one slot; grows with the failures in its supervisor's window. @default exponential from 100 ms, at most 5 s, jitter 0.2 */
  readonly createBackoff?: BackoffOptions;
  /** `drain()` and `warden.stop()` wait this long for leases to come back, then end them. @default 10_000 */
  readonly drainTimeoutMs?: number;
  /** The pool supervisor's restart intensity: past it, creates are given up and the pool is dead-lettered. @default { maxRestarts: 10, withinMs: 60_000 } */
  readonly supervision?: { readonly maxRestarts?: number; readonly withinMs?: number };
}

/** Pool options with every default applied. */
export interface ResolvedPoolOptions<R> {
  readonly create: (ctx: PoolCreateContext) => R | Promise<R>;
  readonly destroy: ((resource: R, ctx: PoolOperationContext) => void | Promise<void>) | undefined;
  readonly validate:
    ((resource: R, ctx: PoolOperationContext) => boolean | Promise<boolean>) | undefined;
  readonly isBroken: ((error: Error, resource: R) => boolean) | undefined;
  readonly min: number;
  readonly max: number;
  readonly acquireTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxUses: number | undefined;
  readonly maxAgeMs: number | undefined;
  readonly createTimeoutMs: number;
  readonly destroyTimeoutMs: number;
  readonly validateTimeoutMs: number;
  readonly validateOnBorrow: boolean;
  readonly healthCheckIntervalMs: number | undefined;
  readonly saturation: number;
  readonly drainTimeoutMs: number;
  readonly createBackoff: ResolvedBackoff;
  readonly supervision: { readonly maxRestarts: number; readonly withinMs: number };
}

/** Defaults of `warden.pool()`. */
export const defaultPoolOptions = {
  min: 0,
  max: 10,
  acquireTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  createTimeoutMs: 30_000,
  destroyTimeoutMs: 5_000,
  validateTimeoutMs: 5_000,
  validateOnBorrow: false,
  saturation: 0.9,
  drainTimeoutMs: 10_000,
  // Capped at 5 s so that creates failing for about 30 s straight spend the default intensity.
  createBackoff: { type: 'exponential', delayMs: 100, maxDelayMs: 5_000, jitter: 0.2 },
  supervision: { maxRestarts: 10, withinMs: 60_000 },
} as const;

/** Every option of `warden.pool()`. */
export const poolOptionKeys = [
  'create',
  'destroy',
  'validate',
  'isBroken',
  'min',
  'max',
  'acquireTimeoutMs',
  'idleTimeoutMs',
  'maxUses',
  'maxAgeMs',
  'createTimeoutMs',
  'destroyTimeoutMs',
  'validateTimeoutMs',
  'validateOnBorrow',
  'healthCheckIntervalMs',
  'saturation',
  'drainTimeoutMs',
  'createBackoff',
  'supervision',
] as const;

/** Validates pool options (unknown keys included) and applies the defaults. */
export function resolvePoolOptions<R>(pool: string, input: unknown): ResolvedPoolOptions<R> {
  const where = `pool('${pool}')`;
  if (input === undefined) {
    throw new InvalidOptionError(`${where} options`, 'an options object with `create`', input);
  }
  const options = checkObject(`${where} options`, input);
  checkKeys(where, options, poolOptionKeys);
  const at = (field: string): string => `${where}.${field}`;
  const ms = (field: string, fallback: number, min = 1): number =>
    checkInteger(at(field), options[field] ?? fallback, min, maxMs);
  const optionalMs = (field: string): number | undefined =>
    options[field] === undefined ? undefined : checkInteger(at(field), options[field], 1, maxMs);
  const optionalFn = (field: string): unknown =>
    options[field] === undefined ? undefined : checkFunction<unknown>(at(field), options[field]);
  const max = checkInteger(at('max'), options['max'] ?? defaultPoolOptions.max, 1, 100_000);
  const supervision = checkObject(at('supervision'), options['supervision']);
  checkKeys(at('supervision'), supervision, ['maxRestarts', 'withinMs']);
  const validateOnBorrow = options['validateOnBorrow'] ?? defaultPoolOptions.validateOnBorrow;
  if (typeof validateOnBorrow !== 'boolean') {
    throw new InvalidOptionError(at('validateOnBorrow'), 'true or false', validateOnBorrow);
  }
  const validate = optionalFn('validate') as ResolvedPoolOptions<R>['validate'];
  if (validateOnBorrow && validate === undefined) {
    throw new InvalidOptionError(at('validateOnBorrow'), 'false unless `validate` is given', true);
  }
  return {
    create: checkFunction(at('create'), options['create']),
    destroy: optionalFn('destroy') as ResolvedPoolOptions<R>['destroy'],
    validate,
    isBroken: optionalFn('isBroken') as ResolvedPoolOptions<R>['isBroken'],
    min: checkInteger(at('min'), options['min'] ?? defaultPoolOptions.min, 0, max),
    max,
    acquireTimeoutMs: ms('acquireTimeoutMs', defaultPoolOptions.acquireTimeoutMs),
    idleTimeoutMs: ms('idleTimeoutMs', defaultPoolOptions.idleTimeoutMs),
    maxUses:
      options['maxUses'] === undefined
        ? undefined
        : checkInteger(at('maxUses'), options['maxUses'], 1),
    maxAgeMs: optionalMs('maxAgeMs'),
    createTimeoutMs: ms('createTimeoutMs', defaultPoolOptions.createTimeoutMs),
    destroyTimeoutMs: ms('destroyTimeoutMs', defaultPoolOptions.destroyTimeoutMs),
    validateTimeoutMs: ms('validateTimeoutMs', defaultPoolOptions.validateTimeoutMs),
    validateOnBorrow,
    healthCheckIntervalMs: optionalMs('healthCheckIntervalMs'),
    saturation: checkNumber(
      at('saturation'),
      options['saturation'] ?? defaultPoolOptions.saturation,
      0,
      1,
    ),
    drainTimeoutMs: ms('drainTimeoutMs', defaultPoolOptions.drainTimeoutMs, 0),
    createBackoff: resolveBackoff(
      at('createBackoff'),
      options['createBackoff'] ?? defaultPoolOptions.createBackoff,
    ),
    supervision: {
      maxRestarts: checkInteger(
        at('supervision.maxRestarts'),
        supervision['maxRestarts'] ?? defaultPoolOptions.supervision.maxRestarts,
        0,
        1_000_000,
      ),
      withinMs: checkInteger(
        at('supervision.withinMs'),
        supervision['withinMs'] ?? defaultPoolOptions.supervision.withinMs,
        1,
        maxMs,
      ),
    },
  };
}

/** Options of one `pool.acquire`. */
export interface AcquireOptions {
  /** Gives up waiting (rejecting with the signal's reason) when this aborts. */
  readonly signal?: AbortSignal;
  /** Higher is served first; equal priorities in arrival order. @default 0 */
  readonly priority?: number;
  /** Overrides the pool's `acquireTimeoutMs`. */
  readonly timeoutMs?: number;
}

const priorityLimit = 2 ** 31 - 1;

/** Validates one acquire's options over the pool's `acquireTimeoutMs`. */
export function resolveAcquireOptions(
  input: AcquireOptions,
  acquireTimeoutMs: number,
): { priority: number; timeoutMs: number; signal: AbortSignal | undefined } {
  const options = checkObject('acquire options', input);
  checkKeys('acquire options', options, ['signal', 'priority', 'timeoutMs']);
  const signal = options['signal'];
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidOptionError('acquire options.signal', 'an AbortSignal', signal);
  }
  return {
    signal,
    priority: checkInteger(
      'acquire options.priority',
      options['priority'] ?? 0,
      -priorityLimit - 1,
      priorityLimit,
    ),
    timeoutMs: checkInteger(
      'acquire options.timeoutMs',
      options['timeoutMs'] ?? acquireTimeoutMs,
      1,
      maxMs,
    ),
  };
}

/** Validates `drain()`'s options: how long to wait for leases to come back. */
export function resolveDrainTimeout(input: unknown, drainTimeoutMs: number): number {
  const options = checkObject('drain options', input);
  checkKeys('drain options', options, ['timeoutMs']);
  return checkInteger('drain options.timeoutMs', options['timeoutMs'] ?? drainTimeoutMs, 0, maxMs);
}

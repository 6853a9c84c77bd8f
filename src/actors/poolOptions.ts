import { InvalidOptionError } from '../errors.js';
import {
  checkFunction,
  checkInteger,
  checkNumber,
  checkOptions,
  keysOf,
  type Defaults,
} from '../options.js';
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

/** Pool options with every default applied; `null` is none. */
export interface ResolvedPoolOptions<R> {
  readonly create: (ctx: PoolCreateContext) => R | Promise<R>;
  readonly destroy: ((resource: R, ctx: PoolOperationContext) => void | Promise<void>) | null;
  readonly validate:
    ((resource: R, ctx: PoolOperationContext) => boolean | Promise<boolean>) | null;
  readonly isBroken: ((error: Error, resource: R) => boolean) | null;
  readonly min: number;
  readonly max: number;
  readonly acquireTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxUses: number | null;
  readonly maxAgeMs: number | null;
  readonly createTimeoutMs: number;
  readonly destroyTimeoutMs: number;
  readonly validateTimeoutMs: number;
  readonly validateOnBorrow: boolean;
  readonly healthCheckIntervalMs: number | null;
  readonly saturation: number;
  readonly drainTimeoutMs: number;
  readonly createBackoff: ResolvedBackoff;
  readonly supervision: { readonly maxRestarts: number; readonly withinMs: number };
}

/**
 * Defaults of `warden.pool()`, every option's but `create` (`null` is none). A `createBackoff`
 * that leaves fields out takes them from `createBackoff` here.
 */
export const defaultPoolOptions = {
  destroy: null,
  validate: null,
  isBroken: null,
  min: 0,
  max: 10,
  acquireTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  maxUses: null,
  maxAgeMs: null,
  createTimeoutMs: 30_000,
  destroyTimeoutMs: 5_000,
  validateTimeoutMs: 5_000,
  validateOnBorrow: false,
  healthCheckIntervalMs: null,
  saturation: 0.9,
  drainTimeoutMs: 10_000,
  // Capped at 5 s so that creates failing for about 30 s straight spend the default intensity.
  createBackoff: { type: 'exponential', delayMs: 100, factor: 2, maxDelayMs: 5_000, jitter: 0.2 },
  supervision: { maxRestarts: 10, withinMs: 60_000 },
} as const satisfies Omit<ResolvedPoolOptions<unknown>, 'create'>;

/** Every option of `warden.pool()`. */
export const poolOptionKeys = keysOf<PoolOptions<unknown>>({
  create: true,
  destroy: true,
  validate: true,
  isBroken: true,
  min: true,
  max: true,
  acquireTimeoutMs: true,
  idleTimeoutMs: true,
  maxUses: true,
  maxAgeMs: true,
  createTimeoutMs: true,
  destroyTimeoutMs: true,
  validateTimeoutMs: true,
  validateOnBorrow: true,
  healthCheckIntervalMs: true,
  saturation: true,
  drainTimeoutMs: true,
  createBackoff: true,
  supervision: true,
});
const supervisionKeys = keysOf<NonNullable<PoolOptions<unknown>['supervision']>>({
  maxRestarts: true,
  withinMs: true,
});

/** Validates pool options (unknown keys refused) and fills in their defaults. */
export function resolvePoolOptions<R>(pool: string, input: unknown): ResolvedPoolOptions<R> {
  const where = `pool('${pool}')`;
  if (input === undefined) {
    throw new InvalidOptionError(`${where} options`, 'an options object with `create`', input);
  }
  const given = checkOptions<PoolOptions<R>>(`${where} options`, input, poolOptionKeys, where);
  const defaults = defaultPoolOptions;
  const at = (field: string): string => `${where}.${field}`;
  const ms = (field: string, value: unknown, fallback: number, min = 1): number =>
    checkInteger(at(field), value ?? fallback, min, maxMs);
  const optionalMs = (field: string, value: unknown): number | null =>
    value === undefined ? null : checkInteger(at(field), value, 1, maxMs);
  const max = checkInteger(at('max'), given.max ?? defaults.max, 1, 100_000);
  const supervision = checkOptions<NonNullable<PoolOptions<R>['supervision']>>(
    at('supervision'),
    given.supervision,
    supervisionKeys,
  );
  const validateOnBorrow = given.validateOnBorrow ?? defaults.validateOnBorrow;
  if (typeof validateOnBorrow !== 'boolean') {
    throw new InvalidOptionError(at('validateOnBorrow'), 'true or false', validateOnBorrow);
  }
  const validate =
    given.validate === undefined
      ? defaults.validate
      : checkFunction<NonNullable<ResolvedPoolOptions<R>['validate']>>(
          at('validate'),
          given.validate,
        );
  if (validateOnBorrow && validate === null) {
    throw new InvalidOptionError(at('validateOnBorrow'), 'false unless `validate` is given', true);
  }
  return {
    create: checkFunction(at('create'), given.create),
    destroy:
      given.destroy === undefined
        ? defaults.destroy
        : checkFunction<NonNullable<ResolvedPoolOptions<R>['destroy']>>(
            at('destroy'),
            given.destroy,
          ),
    validate,
    isBroken:
      given.isBroken === undefined
        ? defaults.isBroken
        : checkFunction<NonNullable<ResolvedPoolOptions<R>['isBroken']>>(
            at('isBroken'),
            given.isBroken,
          ),
    min: checkInteger(at('min'), given.min ?? defaults.min, 0, max),
    max,
    acquireTimeoutMs: ms('acquireTimeoutMs', given.acquireTimeoutMs, defaults.acquireTimeoutMs),
    idleTimeoutMs: ms('idleTimeoutMs', given.idleTimeoutMs, defaults.idleTimeoutMs),
    maxUses:
      given.maxUses === undefined
        ? defaults.maxUses
        : checkInteger(at('maxUses'), given.maxUses, 1),
    maxAgeMs: optionalMs('maxAgeMs', given.maxAgeMs),
    createTimeoutMs: ms('createTimeoutMs', given.createTimeoutMs, defaults.createTimeoutMs),
    destroyTimeoutMs: ms('destroyTimeoutMs', given.destroyTimeoutMs, defaults.destroyTimeoutMs),
    validateTimeoutMs: ms('validateTimeoutMs', given.validateTimeoutMs, defaults.validateTimeoutMs),
    validateOnBorrow,
    healthCheckIntervalMs: optionalMs('healthCheckIntervalMs', given.healthCheckIntervalMs),
    saturation: checkNumber(at('saturation'), given.saturation ?? defaults.saturation, 0, 1),
    drainTimeoutMs: ms('drainTimeoutMs', given.drainTimeoutMs, defaults.drainTimeoutMs, 0),
    createBackoff:
      given.createBackoff === undefined
        ? defaults.createBackoff
        : resolveBackoff(at('createBackoff'), given.createBackoff, defaults.createBackoff),
    supervision: {
      maxRestarts: checkInteger(
        at('supervision.maxRestarts'),
        supervision.maxRestarts ?? defaults.supervision.maxRestarts,
        0,
        1_000_000,
      ),
      withinMs: checkInteger(
        at('supervision.withinMs'),
        supervision.withinMs ?? defaults.supervision.withinMs,
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

/** One acquire's options with every default applied; `null` is none. */
export interface ResolvedAcquireOptions {
  readonly signal: AbortSignal | null;
  readonly priority: number;
  readonly timeoutMs: number;
}

/** Defaults of one `pool.acquire` (`timeoutMs: null` is the pool's `acquireTimeoutMs`). */
export const defaultAcquireOptions = {
  signal: null,
  priority: 0,
  timeoutMs: null,
} as const satisfies Defaults<AcquireOptions>;

const acquireOptionKeys = keysOf<AcquireOptions>({ signal: true, priority: true, timeoutMs: true });

const priorityLimit = 2 ** 31 - 1;

/** Validates one acquire's options (unknown keys refused) over the pool's `acquireTimeoutMs`. */
export function resolveAcquireOptions(
  input: AcquireOptions,
  acquireTimeoutMs: number,
): ResolvedAcquireOptions {
  const given = checkOptions<AcquireOptions>('acquire options', input, acquireOptionKeys);
  const defaults = defaultAcquireOptions;
  const signal = given.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidOptionError('acquire options.signal', 'an AbortSignal', signal);
  }
  return {
    signal: signal ?? defaults.signal,
    priority: checkInteger(
      'acquire options.priority',
      given.priority ?? defaults.priority,
      -priorityLimit - 1,
      priorityLimit,
    ),
    timeoutMs: checkInteger(
      'acquire options.timeoutMs',
      given.timeoutMs ?? defaults.timeoutMs ?? acquireTimeoutMs,
      1,
      maxMs,
    ),
  };
}

/** Validates `drain()`'s options (unknown keys refused): how long to wait for leases to come back. */
export function resolveDrainTimeout(input: unknown, drainTimeoutMs: number): number {
  const given = checkOptions<{ readonly timeoutMs?: number }>('drain options', input, [
    'timeoutMs',
  ]);
  return checkInteger('drain options.timeoutMs', given.timeoutMs ?? drainTimeoutMs, 0, maxMs);
}

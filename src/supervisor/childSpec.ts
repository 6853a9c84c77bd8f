import type { AnyActorLogic } from 'xstate';
import { InvalidOptionError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { checkFunction, checkInteger, checkKeys, checkObject, checkString } from '../options.js';
import { resolveBackoff, type BackoffOptions, type ResolvedBackoff } from '../policies/backoff.js';
import { maxTimerMs } from '../actors/jobDefinition.js';
import { defaultIntensity } from '../policies/restartIntensity.js';
import type { RestartType, Strategy } from '../policies/strategy.js';

/** What a supervised actor's `start` receives. */
export interface ActorStartContext {
  readonly id: string;
  /** Aborted when the supervisor stops the actor, or when a start or run timeout passes. */
  readonly signal: AbortSignal;
  /** A child of Warden's logger carrying `actorId`. */
  readonly log: Logger;
  /** How many times this actor has been restarted (0 on its first start). */
  readonly restarts: number;
  /** Marks the actor started; with `startTimeoutMs`, it must be called within that time. */
  ready(): void;
}

/** What to do when restarting an actor would exceed its supervisor's restart intensity. */
export type OnExhausted = 'escalate' | 'dead-letter';

interface ChildOptions {
  /** Unique across the whole tree. */
  readonly id: string;
  /** `permanent` (always restarted), `transient` (only after an abnormal exit) or `temporary` (never). @default 'permanent' */
  readonly restart?: RestartType;
  /** How long a stopping actor may take after its signal is aborted before it is force-stopped. @default 5000 */
  readonly shutdownMs?: number;
  /** Wait before each restart; grows with the restarts in the current intensity window. @default exponential from 100 ms, at most 30 s, jitter 0.2 */
  readonly backoff?: BackoffOptions;
  /** `escalate` (OTP: the supervisor gives up and fails to its parent) or `dead-letter` (stop and record this actor, keep the rest). @default 'escalate', but 'dead-letter' for the top of a tree given to `warden.supervise()` */
  readonly onExhausted?: OnExhausted;
}

/** A supervised worker: a long-running function or an XState actor logic. */
export interface WorkerSpec extends ChildOptions {
  readonly kind?: 'worker';
  /** Runs the actor: resolving is a normal exit, rejecting an abnormal one. */
  readonly start?: (ctx: ActorStartContext) => Promise<void> | void;
  /** An XState actor logic to run instead of `start`: reaching a final state is a normal exit, an error an abnormal one. */
  readonly logic?: AnyActorLogic;
  /** Input for `logic`. */
  readonly input?: unknown;
  /** The actor must call `ready()` within this time or its start counts as a failure. @default none */
  readonly startTimeoutMs?: number;
  /** A bound on one run; past it the actor is stopped as an abnormal exit. @default none */
  readonly maxRunMs?: number;
}

/** A supervisor: restarts its children by its strategy, within its restart intensity. */
export interface SupervisorSpec extends ChildOptions {
  readonly kind?: 'supervisor';
  /** @default 'one-for-one' */
  readonly strategy?: Strategy;
  /** Restarts allowed within `withinMs` before the supervisor gives up. @default 3 */
  readonly maxRestarts?: number;
  /** @default 5000 */
  readonly withinMs?: number;
  /** Started in order, stopped in reverse order. */
  readonly children: readonly ChildSpec[];
}

/** A child of a supervisor. */
export type ChildSpec = WorkerSpec | SupervisorSpec;

interface ResolvedCommon {
  readonly id: string;
  readonly restart: RestartType;
  readonly shutdownMs: number;
  readonly backoff: ResolvedBackoff;
  readonly onExhausted: OnExhausted;
}

/** A worker spec with its defaults applied. */
export interface ResolvedWorkerSpec extends ResolvedCommon {
  readonly kind: 'worker';
  readonly start: ((ctx: ActorStartContext) => Promise<void> | void) | undefined;
  readonly logic: AnyActorLogic | undefined;
  readonly input: unknown;
  readonly startTimeoutMs: number | undefined;
  readonly maxRunMs: number | undefined;
}

/** A supervisor spec with its defaults applied, children included. */
export interface ResolvedSupervisorSpec extends ResolvedCommon {
  readonly kind: 'supervisor';
  readonly strategy: Strategy;
  readonly maxRestarts: number;
  readonly withinMs: number;
  readonly children: readonly ResolvedChildSpec[];
}

/** A child spec with its defaults applied. */
export type ResolvedChildSpec = ResolvedWorkerSpec | ResolvedSupervisorSpec;

/** Defaults of supervised actors and supervisors. */
export const defaultChildOptions = {
  restart: 'permanent',
  shutdownMs: 5000,
  backoff: { type: 'exponential', delayMs: 100, maxDelayMs: 30_000, jitter: 0.2 },
  onExhausted: 'escalate',
  /** A user's top-level tree is dead-lettered, not escalated into the root (OTP's temporary application). */
  topLevelOnExhausted: 'dead-letter',
  strategy: 'one-for-one',
  maxRestarts: defaultIntensity.maxRestarts,
  withinMs: defaultIntensity.withinMs,
} as const;

const restartTypes: readonly RestartType[] = ['permanent', 'transient', 'temporary'];
const strategies: readonly Strategy[] = ['one-for-one', 'one-for-all', 'rest-for-one'];

function oneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new InvalidOptionError(name, `one of ${allowed.map((v) => `'${v}'`).join(', ')}`, value);
  }
  return value as T;
}

function optionalMs(name: string, value: unknown): number | undefined {
  return value === undefined ? undefined : checkInteger(name, value, 1, maxTimerMs);
}

/**
 * Validates a child spec (recursively for supervisors), checks ids are unique, and applies
 * defaults; `onExhausted` defaults to `onExhaustedDefault` for this spec and to `escalate` below it.
 */
export function resolveChildSpec(
  input: unknown,
  seen = new Set<string>(),
  path = 'spec',
  onExhaustedDefault: OnExhausted = defaultChildOptions.onExhausted,
): ResolvedChildSpec {
  const spec = checkObject(path, input);
  if (input === undefined) throw new InvalidOptionError(path, 'a worker or supervisor spec', input);
  const id = checkString(`${path}.id`, spec['id'], 200);
  if (seen.has(id))
    throw new InvalidOptionError(`${path}.id`, 'unique in the supervision tree', id);
  seen.add(id);
  const at = (field: string): string => `${path}.${field}`;
  const common: ResolvedCommon = {
    id,
    restart: oneOf(at('restart'), spec['restart'], restartTypes, defaultChildOptions.restart),
    shutdownMs: checkInteger(
      at('shutdownMs'),
      spec['shutdownMs'] ?? defaultChildOptions.shutdownMs,
      0,
      maxTimerMs,
    ),
    backoff: resolveBackoff(at('backoff'), spec['backoff'] ?? defaultChildOptions.backoff),
    onExhausted: oneOf<OnExhausted>(
      at('onExhausted'),
      spec['onExhausted'],
      ['escalate', 'dead-letter'],
      onExhaustedDefault,
    ),
  };
  const isSupervisor =
    spec['kind'] === 'supervisor' || (spec['kind'] === undefined && 'children' in spec);
  const commonKeys = ['kind', 'id', 'restart', 'shutdownMs', 'backoff', 'onExhausted'];
  checkKeys(
    path,
    spec,
    isSupervisor
      ? [...commonKeys, 'strategy', 'maxRestarts', 'withinMs', 'children']
      : [...commonKeys, 'start', 'logic', 'input', 'startTimeoutMs', 'maxRunMs'],
  );
  if (isSupervisor) {
    const children = spec['children'];
    if (!Array.isArray(children))
      throw new InvalidOptionError(at('children'), 'an array of child specs', children);
    return {
      ...common,
      kind: 'supervisor',
      strategy: oneOf(at('strategy'), spec['strategy'], strategies, defaultChildOptions.strategy),
      maxRestarts: checkInteger(
        at('maxRestarts'),
        spec['maxRestarts'] ?? defaultChildOptions.maxRestarts,
        0,
        1_000_000,
      ),
      withinMs: checkInteger(
        at('withinMs'),
        spec['withinMs'] ?? defaultChildOptions.withinMs,
        1,
        maxTimerMs,
      ),
      children: children.map((child: unknown, index) =>
        resolveChildSpec(child, seen, `${at('children')}[${index}]`),
      ),
    };
  }
  if (spec['kind'] !== undefined && spec['kind'] !== 'worker') {
    throw new InvalidOptionError(at('kind'), "`'worker'` or `'supervisor'`", spec['kind']);
  }
  const start = spec['start'];
  const logic = spec['logic'];
  if ((start === undefined) === (logic === undefined)) {
    throw new InvalidOptionError(path, 'a spec with exactly one of `start` or `logic`', input);
  }
  if (
    logic !== undefined &&
    (typeof logic !== 'object' || logic === null || !('transition' in logic))
  ) {
    throw new InvalidOptionError(at('logic'), 'an XState actor logic', logic);
  }
  return {
    ...common,
    kind: 'worker',
    start:
      start === undefined
        ? undefined
        : checkFunction<(ctx: ActorStartContext) => Promise<void> | void>(at('start'), start),
    logic: logic as AnyActorLogic | undefined,
    input: spec['input'],
    startTimeoutMs: optionalMs(at('startTimeoutMs'), spec['startTimeoutMs']),
    maxRunMs: optionalMs(at('maxRunMs'), spec['maxRunMs']),
  };
}

/** Builds a supervisor spec: `supervisor({ id, strategy, maxRestarts, withinMs, children })`. */
export function supervisor(spec: Omit<SupervisorSpec, 'kind'>): SupervisorSpec {
  return { ...spec, kind: 'supervisor' };
}

/** Builds a worker spec: `worker({ id, start })` or `worker({ id, logic })`. */
export function worker(spec: Omit<WorkerSpec, 'kind'>): WorkerSpec {
  return { ...spec, kind: 'worker' };
}

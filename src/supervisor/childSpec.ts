import type { AnyActorLogic } from 'xstate';
import { InvalidOptionError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import {
  checkFunction,
  checkInteger,
  checkObject,
  checkOptions,
  checkString,
  keysOf,
} from '../options.js';
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

/** A worker spec with its defaults applied; `null` is none. */
export interface ResolvedWorkerSpec extends ResolvedCommon {
  readonly kind: 'worker';
  readonly start: ((ctx: ActorStartContext) => Promise<void> | void) | null;
  readonly logic: AnyActorLogic | null;
  /** The input given to `logic`, as given (it may be undefined). */
  readonly input: unknown;
  readonly startTimeoutMs: number | null;
  readonly maxRunMs: number | null;
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

/**
 * Defaults of supervised actors and supervisors; `null` is none. A `backoff` that leaves fields
 * out takes them from `backoff` here, field by field.
 */
export const defaultChildOptions = {
  restart: 'permanent',
  shutdownMs: 5000,
  backoff: { type: 'exponential', delayMs: 100, factor: 2, maxDelayMs: 30_000, jitter: 0.2 },
  onExhausted: 'escalate',
  /** A user's top-level tree is dead-lettered, not escalated into the root (OTP's temporary application). */
  topLevelOnExhausted: 'dead-letter',
  startTimeoutMs: null,
  maxRunMs: null,
  strategy: 'one-for-one',
  maxRestarts: defaultIntensity.maxRestarts,
  withinMs: defaultIntensity.withinMs,
} as const satisfies Omit<ResolvedCommon, 'id'> &
  Pick<ResolvedWorkerSpec, 'startTimeoutMs' | 'maxRunMs'> &
  Pick<ResolvedSupervisorSpec, 'strategy' | 'maxRestarts' | 'withinMs'> & {
    readonly topLevelOnExhausted: OnExhausted;
  };

const restartTypes: readonly RestartType[] = ['permanent', 'transient', 'temporary'];
const strategies: readonly Strategy[] = ['one-for-one', 'one-for-all', 'rest-for-one'];
const exhaustedChoices: readonly OnExhausted[] = ['escalate', 'dead-letter'];

const commonKeys = keysOf<ChildOptions & { kind: unknown }>({
  kind: true,
  id: true,
  restart: true,
  shutdownMs: true,
  backoff: true,
  onExhausted: true,
});
const supervisorKeys = [
  ...commonKeys,
  ...keysOf<Omit<SupervisorSpec, keyof ChildOptions | 'kind'>>({
    strategy: true,
    maxRestarts: true,
    withinMs: true,
    children: true,
  }),
];
const workerKeys = [
  ...commonKeys,
  ...keysOf<Omit<WorkerSpec, keyof ChildOptions | 'kind'>>({
    start: true,
    logic: true,
    input: true,
    startTimeoutMs: true,
    maxRunMs: true,
  }),
];

function oneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  const found = allowed.find((choice) => choice === value);
  if (found === undefined) {
    throw new InvalidOptionError(name, `one of ${allowed.map((v) => `'${v}'`).join(', ')}`, value);
  }
  return found;
}

function optionalMs(name: string, value: unknown, fallback: number | null): number | null {
  return value === undefined ? fallback : checkInteger(name, value, 1, maxTimerMs);
}

/** An XState actor logic (anything with a `transition`), or null when none is given. */
function checkLogic(name: string, value: unknown): AnyActorLogic | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || !('transition' in value)) {
    throw new InvalidOptionError(name, 'an XState actor logic', value);
  }
  return value as AnyActorLogic;
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
  if (input === undefined) throw new InvalidOptionError(path, 'a worker or supervisor spec', input);
  const spec = checkObject(path, input);
  const isSupervisor =
    spec['kind'] === 'supervisor' || (spec['kind'] === undefined && 'children' in spec);
  return isSupervisor
    ? resolveSupervisorSpec(input, seen, path, onExhaustedDefault)
    : resolveWorkerSpec(input, seen, path, onExhaustedDefault);
}

/** The fields every child spec shares, checked, its id among the ones `seen`. */
function resolveCommon(
  given: { readonly [K in keyof ChildOptions]?: unknown },
  seen: Set<string>,
  path: string,
  onExhaustedDefault: OnExhausted,
): ResolvedCommon {
  const id = checkString(`${path}.id`, given.id, 200);
  if (seen.has(id))
    throw new InvalidOptionError(`${path}.id`, 'unique in the supervision tree', id);
  seen.add(id);
  const at = (field: string): string => `${path}.${field}`;
  const defaults = defaultChildOptions;
  return {
    id,
    restart: oneOf(at('restart'), given.restart, restartTypes, defaults.restart),
    shutdownMs: checkInteger(
      at('shutdownMs'),
      given.shutdownMs ?? defaults.shutdownMs,
      0,
      maxTimerMs,
    ),
    backoff:
      given.backoff === undefined
        ? defaults.backoff
        : resolveBackoff(at('backoff'), given.backoff, defaults.backoff),
    onExhausted: oneOf(at('onExhausted'), given.onExhausted, exhaustedChoices, onExhaustedDefault),
  };
}

function resolveSupervisorSpec(
  input: unknown,
  seen: Set<string>,
  path: string,
  onExhaustedDefault: OnExhausted,
): ResolvedSupervisorSpec {
  const given = checkOptions<SupervisorSpec>(path, input, supervisorKeys);
  const common = resolveCommon(given, seen, path, onExhaustedDefault);
  const at = (field: string): string => `${path}.${field}`;
  const defaults = defaultChildOptions;
  const children = given.children;
  if (!Array.isArray(children))
    throw new InvalidOptionError(at('children'), 'an array of child specs', children);
  return {
    ...common,
    kind: 'supervisor',
    strategy: oneOf(at('strategy'), given.strategy, strategies, defaults.strategy),
    maxRestarts: checkInteger(
      at('maxRestarts'),
      given.maxRestarts ?? defaults.maxRestarts,
      0,
      1_000_000,
    ),
    withinMs: checkInteger(at('withinMs'), given.withinMs ?? defaults.withinMs, 1, maxTimerMs),
    children: children.map((child: unknown, index) =>
      resolveChildSpec(child, seen, `${at('children')}[${index}]`),
    ),
  };
}

function resolveWorkerSpec(
  input: unknown,
  seen: Set<string>,
  path: string,
  onExhaustedDefault: OnExhausted,
): ResolvedWorkerSpec {
  const given = checkOptions<WorkerSpec>(path, input, workerKeys);
  const common = resolveCommon(given, seen, path, onExhaustedDefault);
  const at = (field: string): string => `${path}.${field}`;
  if (given.kind !== undefined && given.kind !== 'worker') {
    throw new InvalidOptionError(at('kind'), "`'worker'` or `'supervisor'`", given.kind);
  }
  if ((given.start === undefined) === (given.logic === undefined)) {
    throw new InvalidOptionError(path, 'a spec with exactly one of `start` or `logic`', input);
  }
  const logic = checkLogic(at('logic'), given.logic);
  return {
    ...common,
    kind: 'worker',
    start:
      given.start === undefined
        ? null
        : checkFunction<(ctx: ActorStartContext) => Promise<void> | void>(at('start'), given.start),
    logic,
    input: given.input,
    startTimeoutMs: optionalMs(
      at('startTimeoutMs'),
      given.startTimeoutMs,
      defaultChildOptions.startTimeoutMs,
    ),
    maxRunMs: optionalMs(at('maxRunMs'), given.maxRunMs, defaultChildOptions.maxRunMs),
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

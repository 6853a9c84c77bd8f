import type { Clock } from '../clock.js';
import { InvalidOptionError, InvalidPayloadError, quote, UnknownJobTypeError } from '../errors.js';
import { checkInteger, checkOptions, checkString, keysOf } from '../options.js';
import { toJsonText } from '../persistence/json.js';
import type { NewJob } from '../persistence/Store.js';
import { formatTraceparent, parseTraceContext } from '../observability/traceContext.js';
import type { ResolvedJobDefinition } from '../actors/jobDefinition.js';

/** Options of one `enqueue`. */
export interface EnqueueOptions {
  /** Higher runs first; equal priorities run in enqueue order. A whole number. @default 0 */
  readonly priority?: number;
  /** Run no sooner than this many ms from now. */
  readonly delayMs?: number;
  /** Run no sooner than this time (ms since the epoch, or a Date). */
  readonly runAt?: number | Date;
  /** Unique per job type: enqueueing the same key again returns the existing job and writes nothing. */
  readonly idempotencyKey?: string;
  /** Attempts in all, overriding the job type's `retry.attempts`. */
  readonly attempts?: number;
  /**
   * The W3C traceparent of the job's creation context (an incoming message's, say), stored as
   * given. @default the caller's context: with OpenTelemetry a `create` span in it; outside any, a new trace
   */
  readonly traceparent?: string;
  /** The W3C tracestate that goes with `traceparent`. @default none */
  readonly tracestate?: string;
}

/** One enqueue's options with every default applied; `null` is none. */
export interface ResolvedEnqueueOptions {
  readonly delayMs: number | null;
  /** In ms since the epoch. */
  readonly runAt: number | null;
  readonly priority: number;
  /** `null`: the job type's `retry.attempts`. */
  readonly attempts: number | null;
  readonly idempotencyKey: string | null;
  /** `null`: the caller's trace context. */
  readonly traceparent: string | null;
  /** Normalised; `null` for none. */
  readonly tracestate: string | null;
}

/** Defaults of one `enqueue` (`null` is none: run now, no key, the job type's attempts). */
export const defaultEnqueueOptions = {
  delayMs: null,
  runAt: null,
  priority: 0,
  attempts: null,
  idempotencyKey: null,
  traceparent: null,
  tracestate: null,
} as const satisfies ResolvedEnqueueOptions;

const enqueueOptionKeys = keysOf<EnqueueOptions>({
  priority: true,
  delayMs: true,
  runAt: true,
  idempotencyKey: true,
  attempts: true,
  traceparent: true,
  tracestate: true,
});
const itemKeys = keysOf<EnqueueItem>({ type: true, payload: true, options: true });

/** One job of an `enqueueMany` call. */
export interface EnqueueItem<Payload = unknown> {
  readonly type: string;
  readonly payload: Payload;
  readonly options?: EnqueueOptions;
}

/** What an enqueue check needs: the job types defined so far and the time. */
export interface EnqueueScope {
  readonly definitions: ReadonlyMap<string, ResolvedJobDefinition>;
  readonly clock: Clock;
}

const priorityLimit = 2 ** 31 - 1;
/** The last time a JavaScript Date can hold, in ms since the epoch. */
const maxDateMs = 8.64e15;
/** The longest `delayMs`: 100 years. */
const maxDelayMs = 3_155_760_000_000;

/** Runs a job type's `validate` on a payload, refusing it with `InvalidPayloadError`. */
function validatePayload(name: string, definition: ResolvedJobDefinition, payload: unknown): void {
  if (definition.validate === null) return;
  let verdict: boolean | void;
  try {
    verdict = definition.validate(payload);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidPayloadError(
      `${quote(name)} rejected its payload ${quote(payload)}: ${reason}`,
      {
        cause: error,
      },
    );
  }
  const answer: unknown = verdict;
  if (typeof answer === 'object' && answer !== null && 'then' in answer) {
    // An async validate cannot hold up a synchronous check; its outcome is dropped unseen.
    Promise.resolve(answer).catch(() => undefined);
    throw new InvalidOptionError(
      `${quote(name)}'s validate`,
      'a synchronous function returning true or false (it returned a Promise)',
      answer,
    );
  }
  if (verdict === false) {
    throw new InvalidPayloadError(`${quote(name)} rejected its payload ${quote(payload)}`);
  }
}

/**
 * Validates one enqueue's options (unknown keys refused) and fills in their defaults; `where`
 * prefixes the names in refusals, `now` bounds `runAt`.
 */
export function resolveEnqueueOptions(
  input: unknown,
  now: number,
  where = '',
): ResolvedEnqueueOptions {
  const given = checkOptions<EnqueueOptions>(`${where}options`, input, enqueueOptionKeys);
  const defaults = defaultEnqueueOptions;
  return {
    delayMs:
      given.delayMs === undefined
        ? defaults.delayMs
        : checkInteger(`${where}delayMs`, given.delayMs, 0, maxDelayMs),
    runAt: given.runAt === undefined ? defaults.runAt : checkRunAt(given.runAt, now, where),
    priority: checkInteger(
      `${where}priority`,
      given.priority ?? defaults.priority,
      -priorityLimit - 1,
      priorityLimit,
    ),
    attempts:
      given.attempts === undefined
        ? defaults.attempts
        : checkInteger(`${where}attempts`, given.attempts, 1, 1_000_000),
    idempotencyKey:
      given.idempotencyKey === undefined
        ? defaults.idempotencyKey
        : checkString(`${where}idempotencyKey`, given.idempotencyKey, 1000),
    ...checkTrace(given, where),
  };
}

/** An explicit creation context: a valid traceparent, and a tracestate only beside one. */
function checkTrace(
  given: { readonly traceparent?: unknown; readonly tracestate?: unknown },
  where: string,
): Pick<ResolvedEnqueueOptions, 'traceparent' | 'tracestate'> {
  if (given.traceparent === undefined) {
    if (given.tracestate !== undefined) {
      throw new InvalidOptionError(
        `${where}tracestate`,
        'left out unless `traceparent` is given',
        given.tracestate,
      );
    }
    return { traceparent: null, tracestate: null };
  }
  const trace = parseTraceContext(given.traceparent, given.tracestate, where);
  return { traceparent: formatTraceparent(trace), tracestate: trace.traceState };
}

/** A time to run at: ms since the epoch or a valid Date, at most 100 years ahead of `now`. */
function checkRunAt(value: unknown, now: number, where: string): number {
  const at = value instanceof Date ? value.getTime() : value;
  if (
    typeof at !== 'number' ||
    !Number.isFinite(at) ||
    Math.abs(at) > maxDateMs ||
    at > now + maxDelayMs
  ) {
    throw new InvalidOptionError(
      `${where}runAt`,
      'a time in ms since the epoch, or a valid Date, at most 100 years ahead',
      value,
    );
  }
  return Math.round(at);
}

/**
 * Checks one job to enqueue (its type, payload and options) and builds its row. `index` is its
 * place in an `enqueueMany` call, named in every refusal.
 */
export function prepareJob(
  scope: EnqueueScope,
  type: unknown,
  payload: unknown,
  input: unknown,
  index?: number,
): NewJob {
  const where = index === undefined ? '' : `items[${index}].`;
  const name = checkString(`${where}type`, type, 200);
  const definition = scope.definitions.get(name);
  if (definition === undefined) throw new UnknownJobTypeError(name);
  const given = checkOptions<EnqueueOptions>(`${where}options`, input, enqueueOptionKeys);
  const json = toJsonText(payload, `${where}payload`);
  if ('problem' in json)
    throw new InvalidPayloadError(`cannot enqueue ${quote(name)}: ${json.problem}`);
  validatePayload(name, definition, payload);
  const now = scope.clock.now();
  if (given.delayMs !== undefined && given.runAt !== undefined) {
    throw new InvalidOptionError(`${where}runAt`, 'left out when `delayMs` is given', given.runAt);
  }
  const options = resolveEnqueueOptions(given, now, where);
  const runAt = options.delayMs !== null ? now + options.delayMs : (options.runAt ?? now);
  return {
    type: name,
    status: runAt > now ? 'scheduled' : 'queued',
    payloadJson: json.text,
    priority: options.priority,
    runAt: Math.max(runAt, now),
    maxAttempts: options.attempts ?? definition.attempts,
    idempotencyKey: options.idempotencyKey,
    at: now,
    traceparent: options.traceparent,
    tracestate: options.tracestate,
  };
}

/** Checks the items of an `enqueueMany` call and builds their rows: all valid, or a refusal. */
export function prepareJobs(scope: EnqueueScope, items: unknown): NewJob[] {
  if (!Array.isArray(items))
    throw new InvalidOptionError('items', 'an array of { type, payload, options }', items);
  // An index loop, not map(): map skips the holes of a sparse array, which must be refused.
  const jobs: NewJob[] = [];
  for (let index = 0; index < items.length; index++) {
    const item: unknown = items[index];
    if (item === undefined) {
      throw new InvalidOptionError(`items[${index}]`, 'a { type, payload, options } object', item);
    }
    const entry = checkOptions<EnqueueItem>(`items[${index}]`, item, itemKeys);
    jobs.push(prepareJob(scope, entry.type, entry.payload, entry.options, index));
  }
  return jobs;
}

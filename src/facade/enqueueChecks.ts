import type { Clock } from '../clock.js';
import { InvalidOptionError, InvalidPayloadError, quote, UnknownJobTypeError } from '../errors.js';
import { checkInteger, checkKeys, checkObject, checkString } from '../options.js';
import { toJsonText } from '../persistence/json.js';
import type { NewJob } from '../persistence/Store.js';
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
}

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
  if (definition.validate === undefined) return;
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

/** When a job is to run, from `delayMs` or `runAt` (at most one of them), in ms since the epoch. */
function runAtOf(options: Record<string, unknown>, now: number, where: string): number {
  if (options['delayMs'] !== undefined && options['runAt'] !== undefined) {
    throw new InvalidOptionError(
      `${where}runAt`,
      'left out when `delayMs` is given',
      options['runAt'],
    );
  }
  if (options['delayMs'] !== undefined) {
    return now + checkInteger(`${where}delayMs`, options['delayMs'], 0, maxDelayMs);
  }
  if (options['runAt'] === undefined) return now;
  const value = options['runAt'];
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
  const options = checkObject(`${where}options`, input);
  checkKeys(`${where}options`, options, [
    'priority',
    'delayMs',
    'runAt',
    'idempotencyKey',
    'attempts',
  ]);
  const json = toJsonText(payload, `${where}payload`);
  if ('problem' in json)
    throw new InvalidPayloadError(`cannot enqueue ${quote(name)}: ${json.problem}`);
  validatePayload(name, definition, payload);
  const now = scope.clock.now();
  const runAt = runAtOf(options, now, where);
  const key = options['idempotencyKey'];
  return {
    type: name,
    status: runAt > now ? 'scheduled' : 'queued',
    payloadJson: json.text,
    priority: checkInteger(
      `${where}priority`,
      options['priority'] ?? 0,
      -priorityLimit - 1,
      priorityLimit,
    ),
    runAt: Math.max(runAt, now),
    maxAttempts: checkInteger(
      `${where}attempts`,
      options['attempts'] ?? definition.attempts,
      1,
      1_000_000,
    ),
    idempotencyKey: key === undefined ? null : checkString(`${where}idempotencyKey`, key, 1000),
    at: now,
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
    const entry = checkObject(`items[${index}]`, item);
    checkKeys(`items[${index}]`, entry, ['type', 'payload', 'options']);
    jobs.push(prepareJob(scope, entry['type'], entry['payload'], entry['options'], index));
  }
  return jobs;
}

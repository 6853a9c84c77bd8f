import { randomFillSync } from 'node:crypto';
import { InvalidOptionError } from '../errors.js';

/** A W3C trace context: the trace, the current span in it, its flags and the vendors' tracestate. */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  readonly spanId: string;
  /** The trace flags byte; bit 0 is `sampled`. */
  readonly flags: number;
  /** The W3C `tracestate` list, normalised (no empty members), or null for none. */
  readonly traceState: string | null;
}

const header = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const zeroTrace = '0'.repeat(32);
const zeroSpan = '0'.repeat(16);
const expectedParent =
  'a W3C traceparent `00-<32 lowercase hex trace id, not all zero>-<16 lowercase hex span id, not all zero>-<2 hex flags>`';

/**
 * Parses a W3C `traceparent` header, refusing anything malformed with `InvalidOptionError`
 * (named `option`) that quotes it. A later version's header is read by its first four fields,
 * as the W3C recommendation says; version `ff` is refused.
 */
export function parseTraceparent(
  value: unknown,
  option = 'traceparent',
): Omit<TraceContext, 'traceState'> {
  const match = typeof value === 'string' && value.length <= 512 ? header.exec(value) : null;
  const [, version, traceId, spanId, flags, rest] = match ?? [];
  if (
    version === undefined ||
    traceId === undefined ||
    spanId === undefined ||
    flags === undefined ||
    version === 'ff' ||
    (version === '00' && rest !== undefined) ||
    traceId === zeroTrace ||
    spanId === zeroSpan
  ) {
    throw new InvalidOptionError(option, expectedParent, value);
  }
  return { traceId, spanId, flags: Number.parseInt(flags, 16) };
}

/** The `traceparent` header of a context (version 00). */
export function formatTraceparent(context: Omit<TraceContext, 'traceState'>): string {
  return `00-${context.traceId}-${context.spanId}-${context.flags.toString(16).padStart(2, '0')}`;
}

const simpleKey = '[a-z][a-z0-9_\\-*/]{0,255}';
const tenantKey = '[a-z0-9][a-z0-9_\\-*/]{0,240}@[a-z][a-z0-9_\\-*/]{0,13}';
const stateValue = '[\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,255}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e]';
const member = new RegExp(`^(${simpleKey}|${tenantKey})=(${stateValue})$`);

/**
 * Parses a W3C `tracestate` header into its normalised text (members trimmed, empty ones
 * dropped), null when it has no member; refuses a malformed list, more than 32 members or a
 * duplicate key with `InvalidOptionError` quoting it.
 */
export function parseTracestate(value: unknown, option = 'tracestate'): string | null {
  if (typeof value !== 'string' || value.length > 8192) {
    throw new InvalidOptionError(option, 'a W3C tracestate string', value);
  }
  const members: string[] = [];
  const keys = new Set<string>();
  for (const raw of value.split(',')) {
    const text = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (text === '') continue;
    const key = member.exec(text)?.[1];
    if (key === undefined) {
      throw new InvalidOptionError(
        option,
        `a W3C tracestate list of \`key=value\` members (\`${text}\` is not one)`,
        value,
      );
    }
    if (keys.has(key)) {
      throw new InvalidOptionError(
        option,
        `a W3C tracestate with each key once (\`${key}\` repeats)`,
        value,
      );
    }
    keys.add(key);
    members.push(text);
  }
  if (members.length > 32) {
    throw new InvalidOptionError(option, 'a W3C tracestate of at most 32 members', value);
  }
  return members.length === 0 ? null : members.join(',');
}

/** Parses a traceparent and its optional tracestate into one context; all valid, or a refusal. */
export function parseTraceContext(
  traceparent: unknown,
  tracestate?: unknown,
  where = '',
): TraceContext {
  const parent = parseTraceparent(traceparent, `${where}traceparent`);
  const traceState =
    tracestate === undefined || tracestate === null
      ? null
      : parseTracestate(tracestate, `${where}tracestate`);
  return { ...parent, traceState };
}

/** Reads a stored context back; undefined for none or for a value that does not parse. */
export function readTraceContext(
  traceparent: string | null | undefined,
  tracestate: string | null | undefined,
): TraceContext | undefined {
  if (traceparent === null || traceparent === undefined) return undefined;
  try {
    return parseTraceContext(traceparent, tracestate);
  } catch {
    try {
      return parseTraceContext(traceparent); // a damaged tracestate alone is dropped
    } catch {
      return undefined;
    }
  }
}

/**
 * Random bytes drawn 4 KiB at a time: a `randomBytes` call per id costs microseconds, which a bulk
 * enqueue of thousands of jobs (one trace each) would pay per job.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomHex(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
    poolOffset += bytes;
    if (!/^0+$/.test(hex)) return hex;
  }
}

/** A new random trace id. */
export function newTraceId(): string {
  return randomHex(16);
}

/** A new random span id. */
export function newSpanId(): string {
  return randomHex(8);
}

/** A context that starts a new trace (sampled). */
export function newTrace(): TraceContext {
  return { traceId: newTraceId(), spanId: newSpanId(), flags: 1, traceState: null };
}

/** A new span in the same trace as `parent`, with its flags and tracestate. */
export function childSpan(parent: TraceContext): TraceContext {
  return { ...parent, spanId: newSpanId() };
}

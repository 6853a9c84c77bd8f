import { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidOptionError } from '../errors.js';
import { activeOtelTrace } from './otel.js';
import { formatTraceparent, parseTraceContext, type TraceContext } from './traceContext.js';

const storage = new AsyncLocalStorage<TraceContext>();

/**
 * The trace context code runs in: the active OpenTelemetry span when a provider is registered
 * and a span is active, else the context Warden set (a job's attempt, `withTrace`), else undefined.
 */
export function currentTrace(): TraceContext | undefined {
  return activeOtelTrace() ?? storage.getStore();
}

/** The context Warden set for the code running now, ignoring OpenTelemetry's. */
export function wardenTrace(): TraceContext | undefined {
  return storage.getStore();
}

/** Runs `fn` inside a trace context, which follows it across awaits and timers. */
export function runInTrace<T>(trace: TraceContext, fn: () => T): T {
  return storage.run(trace, fn);
}

/**
 * Runs `fn` inside the trace context of a W3C `traceparent` (and `tracestate`), for example an
 * incoming request's: jobs enqueued inside it join that trace. A malformed header is refused with
 * `InvalidOptionError` before `fn` runs.
 */
export function withTrace<T>(trace: string | TraceContext, fn: () => T, tracestate?: string): T {
  const context = toTraceContext(trace, tracestate);
  if (typeof fn !== 'function') throw new InvalidOptionError('fn', 'a function', fn);
  return storage.run(context, fn);
}

/** A header (and tracestate), or a `TraceContext`, checked; refused with `InvalidOptionError`. */
function toTraceContext(trace: unknown, tracestate: unknown): TraceContext {
  if (typeof trace !== 'object' || trace === null) return parseTraceContext(trace, tracestate);
  const { traceId, spanId, flags, traceState } = trace as Partial<
    Record<keyof TraceContext, unknown>
  >;
  if (
    typeof traceId !== 'string' ||
    typeof spanId !== 'string' ||
    typeof flags !== 'number' ||
    !Number.isInteger(flags) ||
    flags < 0 ||
    flags > 255
  ) {
    throw new InvalidOptionError(
      'trace',
      'a traceparent or a { traceId, spanId, flags, traceState } context',
      trace,
    );
  }
  return parseTraceContext(formatTraceparent({ traceId, spanId, flags }), traceState ?? undefined);
}

/** The `trace_id` and `span_id` fields a log line carries. */
export interface TraceFields {
  readonly trace_id: string;
  readonly span_id: string;
}

/** The log fields of the current trace context, if any. */
export function currentTraceFields(): TraceFields | undefined {
  const trace = currentTrace();
  return trace === undefined ? undefined : { trace_id: trace.traceId, span_id: trace.spanId };
}

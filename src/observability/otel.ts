import type * as OpenTelemetryApi from '@opentelemetry/api';
import type { TraceContext } from './traceContext.js';

/** `@opentelemetry/api`, an optional peer dependency. */
export type OtelApi = typeof OpenTelemetryApi;

let loaded: OtelApi | null | undefined;
let loading: Promise<OtelApi | null> | undefined;

/**
 * Loads `@opentelemetry/api` once per process (Warden's `start()` calls it); null when it is not
 * installed. `specifier` is for tests of its absence.
 */
export function loadOpenTelemetry(specifier = '@opentelemetry/api'): Promise<OtelApi | null> {
  if (specifier !== '@opentelemetry/api') return importApi(specifier);
  loading ??= importApi(specifier).then((api) => {
    loaded = api;
    return api;
  });
  return loading;
}

async function importApi(specifier: string): Promise<OtelApi | null> {
  try {
    const api = (await import(specifier)) as OtelApi;
    return typeof api.trace?.getTracer === 'function' ? api : null;
  } catch {
    return null;
  }
}

/** The loaded API, or null before `loadOpenTelemetry()` settled or without it installed. */
export function openTelemetry(): OtelApi | null {
  return loaded ?? null;
}

/** The tracer Warden's spans come from (the registered provider's, or the API's no-op one). */
export function wardenTracer(api: OtelApi): OpenTelemetryApi.Tracer {
  return api.trace.getTracer('warden');
}

/** The `messaging.system` of Warden's spans. */
export const messagingSystem = 'warden';

/** An OpenTelemetry span context from a Warden trace context, as if received from afar. */
export function toSpanContext(api: OtelApi, trace: TraceContext): OpenTelemetryApi.SpanContext {
  return {
    traceId: trace.traceId,
    spanId: trace.spanId,
    traceFlags: trace.flags,
    isRemote: true,
    ...(trace.traceState === null ? {} : { traceState: api.createTraceState(trace.traceState) }),
  };
}

/** A Warden trace context from a valid OpenTelemetry span context; undefined for an invalid one. */
export function fromSpanContext(
  api: OtelApi,
  span: OpenTelemetryApi.SpanContext | undefined,
): TraceContext | undefined {
  if (span === undefined || !api.trace.isSpanContextValid(span)) return undefined;
  const state = span.traceState?.serialize() ?? '';
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    flags: span.traceFlags & 0xff,
    traceState: state === '' ? null : state,
  };
}

/** The active OpenTelemetry span's context, if one is active and valid. */
export function activeOtelTrace(): TraceContext | undefined {
  const api = loaded;
  if (api === undefined || api === null) return undefined;
  return fromSpanContext(api, api.trace.getSpanContext(api.context.active()));
}

/**
 * Starts a span as a child of `parent`; undefined when no tracer provider is registered (the
 * API's no-op tracer hands back the parent's own span context, or an invalid one).
 */
export function startOtelSpan(
  api: OtelApi,
  name: string,
  options: OpenTelemetryApi.SpanOptions,
  parent: TraceContext | undefined,
):
  | { span: OpenTelemetryApi.Span; trace: TraceContext; context: OpenTelemetryApi.Context }
  | undefined {
  const active = api.context.active();
  const base =
    parent === undefined
      ? api.trace.deleteSpan(active)
      : api.trace.getSpanContext(active)?.spanId === parent.spanId
        ? active
        : api.trace.setSpanContext(active, toSpanContext(api, parent));
  const span = wardenTracer(api).startSpan(name, options, base);
  const trace = fromSpanContext(api, span.spanContext());
  if (trace === undefined || trace.spanId === parent?.spanId) {
    span.end();
    return undefined;
  }
  return { span, trace, context: api.trace.setSpan(base, span) };
}

/** Marks a span failed with `error`: ERROR status, the exception event and `error.type`. */
export function failOtelSpan(
  api: OtelApi,
  span: OpenTelemetryApi.Span,
  error: { readonly name?: string; readonly message?: string; readonly code?: string },
): void {
  const message = error.message ?? '';
  span.recordException({ name: error.name ?? 'Error', message });
  span.setAttribute('error.type', error.code ?? error.name ?? 'Error');
  span.setStatus({ code: api.SpanStatusCode.ERROR, message });
}

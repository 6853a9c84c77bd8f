import type { Context, Span } from '@opentelemetry/api';
import {
  failOtelSpan,
  messagingSystem,
  openTelemetry,
  startOtelSpan,
  type OtelApi,
} from './otel.js';
import { childSpan, newTrace, readTraceContext, type TraceContext } from './traceContext.js';
import { runInTrace, type TraceFields } from './traceStorage.js';

/** What an attempt's trace needs of its job. */
export interface TracedJob {
  readonly id: string;
  readonly type: string;
  readonly traceparent?: string | null;
  readonly tracestate?: string | null;
}

/** How an attempt ended, for its span. */
export interface AttemptEnd {
  /** The job's status after the attempt. */
  readonly to: string;
  /** The error that failed the attempt, if any. */
  readonly error?: { readonly name?: string; readonly message?: string; readonly code?: string };
}

/**
 * The trace of one attempt: a new span whose parent is the job's creation context (a new trace
 * for a job stored without one), and, when an OpenTelemetry provider is registered, a CONSUMER
 * `process <type>` span linked to that context. The handler runs inside it.
 */
export class AttemptTrace {
  /** The attempt's own context: the creation context's trace, a span of its own. */
  context: TraceContext;
  private readonly creation: TraceContext;
  private otel: { api: OtelApi; span: Span; context: Context } | undefined;
  private ended = false;

  constructor(
    private readonly job: TracedJob,
    private readonly attempt: number,
  ) {
    this.creation = readTraceContext(job.traceparent, job.tracestate) ?? newTrace();
    this.context = childSpan(this.creation);
  }

  /** The `trace_id` and `span_id` of the attempt's log lines. */
  get fields(): TraceFields {
    return { trace_id: this.context.traceId, span_id: this.context.spanId };
  }

  /** Opens the attempt's OpenTelemetry span, once, if a provider is registered. */
  begin(): void {
    if (this.otel !== undefined || this.ended) return;
    const api = openTelemetry();
    if (api === null) return;
    const { id, type } = this.job;
    const started = api.context.with(api.ROOT_CONTEXT, () =>
      startOtelSpan(
        api,
        `process ${type}`,
        {
          kind: api.SpanKind.CONSUMER,
          links: [{ context: { ...this.spanContextOf(this.creation), isRemote: true } }],
          attributes: {
            'messaging.system': messagingSystem,
            'messaging.operation.type': 'process',
            'messaging.operation.name': 'process',
            'messaging.destination.name': type,
            'messaging.message.id': id,
            'messaging.warden.attempt': this.attempt,
          },
        },
        this.creation,
      ),
    );
    if (started === undefined) return;
    this.otel = { api, span: started.span, context: started.context };
    this.context = started.trace;
  }

  private spanContextOf(trace: TraceContext): {
    traceId: string;
    spanId: string;
    traceFlags: number;
  } {
    return { traceId: trace.traceId, spanId: trace.spanId, traceFlags: trace.flags };
  }

  /** Runs `work` inside the attempt's context (and its OpenTelemetry span's, if any). */
  run<T>(work: () => T): T {
    const otel = this.otel;
    if (otel === undefined) return runInTrace(this.context, work);
    return runInTrace(this.context, () => otel.api.context.with(otel.context, work));
  }

  /** Ends the attempt's span: an error status when the attempt failed. */
  end(end: AttemptEnd): void {
    if (this.ended) return;
    this.ended = true;
    const otel = this.otel;
    if (otel === undefined) return;
    otel.span.setAttribute('warden.job.outcome', end.to);
    if (end.error !== undefined && end.to !== 'succeeded')
      failOtelSpan(otel.api, otel.span, end.error);
    else if (end.error !== undefined)
      otel.span.recordException({
        name: end.error.name ?? 'Error',
        message: end.error.message ?? '',
      });
    otel.span.end();
  }
}

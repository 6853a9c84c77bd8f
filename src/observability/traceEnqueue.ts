import type { Span } from '@opentelemetry/api';
import type { Job, NewJob } from '../persistence/Store.js';
import { failOtelSpan, messagingSystem, openTelemetry, startOtelSpan } from './otel.js';
import { formatTraceparent, newTrace } from './traceContext.js';
import { currentTrace } from './traceStorage.js';

/**
 * Gives each new job its creation context, then inserts them. A job given a `traceparent` keeps
 * it untouched. Otherwise, with an OpenTelemetry provider registered, each job gets a PRODUCER
 * `create <type>` span, child of the caller's context, whose context is stored with the job and
 * which ends when the insert commits (failed when it does not). Without one, a job stores the
 * caller's context, or a new trace outside any. Call it synchronously from the enqueueing code,
 * so that the caller's context is the current one.
 */
export async function traceEnqueue(
  jobs: readonly NewJob[],
  insert: (jobs: NewJob[]) => Promise<Job[]>,
): Promise<Job[]> {
  const caller = currentTrace();
  const api = openTelemetry();
  const spans: (Span | undefined)[] = [];
  const traced = jobs.map((job): NewJob => {
    if (job.traceparent !== undefined && job.traceparent !== null) {
      spans.push(undefined);
      return job;
    }
    const started =
      api === null
        ? undefined
        : startOtelSpan(
            api,
            `create ${job.type}`,
            {
              kind: api.SpanKind.PRODUCER,
              attributes: {
                'messaging.system': messagingSystem,
                'messaging.operation.type': 'create',
                'messaging.operation.name': 'create',
                'messaging.destination.name': job.type,
              },
            },
            caller,
          );
    spans.push(started?.span);
    const trace = started?.trace ?? caller ?? newTrace();
    return { ...job, traceparent: formatTraceparent(trace), tracestate: trace.traceState };
  });
  let stored: Job[];
  try {
    stored = await insert(traced);
  } catch (error) {
    for (const span of spans) {
      if (span === undefined || api === null) continue;
      failOtelSpan(api, span, error instanceof Error ? error : { message: String(error) });
      span.end();
    }
    throw error;
  }
  spans.forEach((span, index) => {
    if (span === undefined) return;
    const job = stored[index];
    if (job !== undefined) span.setAttribute('messaging.message.id', job.id);
    span.end();
  });
  return stored;
}

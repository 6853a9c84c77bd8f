import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerTracing } from '../../examples/tracing.js';
import { currentTrace, withTrace, type Logger, type TraceContext } from '../../src/index.js';
import { loadOpenTelemetry } from '../../src/observability/otel.js';
import { AttemptTrace } from '../../src/observability/traceAttempt.js';
import { traceEnqueue } from '../../src/observability/traceEnqueue.js';
import { traceLogger } from '../../src/observability/traceLogger.js';
import { wardenTrace } from '../../src/observability/traceStorage.js';
import { invalidOption, rejection } from '../helpers.js';
import { newJob } from '../persistence/storeFixtures.js';
import { documentedExample, exampleSource } from './docExamples.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';
const header = `00-${traceId}-${spanId}-01`;

beforeAll(async () => {
  await loadOpenTelemetry(); // as Warden's start() does
});

describe('withTrace, given a TraceContext', () => {
  it('runs the function inside that context, tracestate included, and returns its value', () => {
    const given: TraceContext = { traceId, spanId, flags: 0, traceState: 'rojo=1,congo=2' };
    const seen = withTrace(given, () => currentTrace());
    expect(seen).toEqual(given);
    expect(currentTrace()).toBeUndefined();
  });

  it('refuses a context that is not one, quoting it, before the function runs', () => {
    let ran = false;
    const run = (): void => {
      ran = true;
    };
    for (const bad of [
      { traceId, spanId },
      { traceId, spanId, flags: 256 },
      { traceId, spanId, flags: -1 },
      { traceId, spanId, flags: 1.5 },
      { traceId: 7, spanId, flags: 1 },
    ]) {
      expect(invalidOption(() => withTrace(bad as unknown as TraceContext, run))).toContain(
        'a traceparent or a { traceId, spanId, flags, traceState } context',
      );
    }
    // Fields of the right types are still checked as a header would be.
    const zero = { traceId: '0'.repeat(32), spanId, flags: 1, traceState: null };
    expect(invalidOption(() => withTrace(zero, run))).toContain('W3C traceparent');
    const state = { traceId, spanId, flags: 1, traceState: 'not a member' };
    expect(invalidOption(() => withTrace(state, run))).toContain('`not a member` is not one');
    expect(ran).toBe(false);
  });

  it('refuses a function that is not one', () => {
    expect(invalidOption(() => withTrace(header, 'run' as unknown as () => void))).toMatch(
      'Expected `fn` to be a function, got `run`',
    );
  });
});

describe('traceLogger', () => {
  it('hands back a logger that is not pino’s as it is', () => {
    const lines: unknown[] = [];
    const plain = { info: (line: unknown) => lines.push(line) } as unknown as Logger;
    expect(traceLogger(plain)).toBe(plain);
  });
});

describe('loadOpenTelemetry', () => {
  it('takes a module without a tracer API for none', async () => {
    await expect(loadOpenTelemetry('node:os')).resolves.toBeNull();
  });
});

describe('attempt traces without a tracer provider', () => {
  it('run in a span of their own in the job’s trace, with no OpenTelemetry span', () => {
    const attempt = new AttemptTrace({ id: '1', type: 'mail', traceparent: header }, 1);
    attempt.begin(); // the API's no-op tracer: nothing to open
    const inside = attempt.run(() => currentTrace());
    expect(inside).toEqual(attempt.context);
    expect(attempt.context).toMatchObject({ traceId, flags: 1, traceState: null });
    expect(attempt.context.spanId).not.toBe(spanId);
    attempt.end({ to: 'succeeded' });
  });

  it('start a new trace for a job whose stored traceparent does not parse', () => {
    const attempt = new AttemptTrace({ id: '1', type: 'mail', traceparent: 'garbage' }, 1);
    expect(attempt.context.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(attempt.context.traceId).not.toBe(traceId);
    expect(attempt.fields).toEqual({
      trace_id: attempt.context.traceId,
      span_id: attempt.context.spanId,
    });
  });
});

describe('with a tracer provider registered', () => {
  const exporter = new InMemorySpanExporter();
  let unregister: () => Promise<void>;

  beforeAll(() => {
    unregister = registerTracing(new SimpleSpanProcessor(exporter));
  });
  afterAll(() => unregister());
  beforeEach(() => {
    exporter.reset();
  });

  it('is registered by the code docs/tracing.md shows, word for word', () => {
    expect(documentedExample('tracing.md', 'tracing-setup')).toBe(exampleSource('tracing.ts'));
  });

  function spans(name: string): ReadableSpan[] {
    return exporter.getFinishedSpans().filter((span) => span.name === name);
  }

  it('makes currentTrace() the active span’s context, while wardenTrace() keeps Warden’s', () => {
    withTrace(header, () => {
      expect(currentTrace()?.spanId).toBe(spanId);
      // withTrace sets Warden's context only: OpenTelemetry starts this span in a trace of its own.
      trace.getTracer('app').startActiveSpan('request', (span) => {
        const { traceId: spanTrace, spanId: own } = span.spanContext();
        expect(spanTrace).not.toBe(traceId);
        expect(currentTrace()).toMatchObject({ traceId: spanTrace, spanId: own });
        expect(wardenTrace()).toMatchObject({ traceId, spanId });
        span.end();
      });
    });
  });

  it('fails the create spans when the insert is refused, and passes the refusal on', async () => {
    const jobs = [newJob({ type: 'mail' }), newJob({ type: 'sms', traceparent: header })];
    const refused = Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' });
    expect(await rejection(() => traceEnqueue(jobs, () => Promise.reject(refused)))).toBe(refused);
    expect(spans('create sms')).toEqual([]); // its own traceparent: no create span
    const [mail] = spans('create mail');
    expect(mail?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'disk full' });
    expect(mail?.attributes['error.type']).toBe('SQLITE_FULL');
    expect(mail?.attributes['messaging.message.id']).toBeUndefined();

    exporter.reset();
    const thrown = await rejection(() =>
      traceEnqueue([newJob({ type: 'mail' })], () =>
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what a refusal that is not an Error does
        Promise.reject('not an Error'),
      ),
    );
    expect(thrown).toBe('not an Error');
    const [plain] = spans('create mail');
    expect(plain?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'not an Error' });
    expect(plain?.attributes['error.type']).toBe('Error');
    expect(plain?.events.map((event) => event.attributes?.['exception.type'])).toEqual(['Error']);
  });

  it('opens one process span per attempt, however often begin() and end() are called', () => {
    const attempt = new AttemptTrace({ id: '7', type: 'mail', traceparent: header }, 2);
    attempt.begin();
    const opened = attempt.context;
    attempt.begin();
    expect(attempt.context).toEqual(opened);
    attempt.end({ to: 'retrying', error: {} });
    attempt.end({ to: 'dead', error: { name: 'Later', message: 'ignored' } });
    attempt.begin(); // ended: opens nothing more

    const [process] = spans('process mail');
    expect(spans('process mail')).toHaveLength(1);
    expect(process?.spanContext().spanId).toBe(opened.spanId);
    expect(process?.status).toEqual({ code: SpanStatusCode.ERROR, message: '' });
    expect(process?.attributes).toMatchObject({
      'error.type': 'Error',
      'warden.job.outcome': 'retrying',
      'messaging.warden.attempt': 2,
    });
  });

  it('opens nothing for an attempt that ended before it began', () => {
    const attempt = new AttemptTrace({ id: '8', type: 'mail', traceparent: header }, 1);
    attempt.end({ to: 'abandoned' });
    attempt.begin();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('records the error of an attempt that still succeeded (its fallback answered), without failing the span', () => {
    const attempt = new AttemptTrace({ id: '9', type: 'mail', traceparent: header }, 3);
    attempt.begin();
    attempt.end({ to: 'succeeded', error: { message: 'primary down' } });
    attempt.begin();
    const unnamed = new AttemptTrace({ id: '10', type: 'mail', traceparent: header }, 1);
    unnamed.begin();
    unnamed.end({ to: 'succeeded', error: { name: 'Quirk' } });

    const processes = spans('process mail');
    expect(processes.map((process) => process.status)).toEqual([
      { code: SpanStatusCode.UNSET },
      { code: SpanStatusCode.UNSET },
    ]);
    expect(processes.map((process) => process.attributes['error.type'])).toEqual([
      undefined,
      undefined,
    ]);
    expect(
      processes.map((process) =>
        process.events.map((event) => [
          event.attributes?.['exception.type'],
          event.attributes?.['exception.message'],
        ]),
      ),
    ).toEqual([[['Error', 'primary down']], [['Quirk', undefined]]]); // the SDK leaves an empty message out
  });
});

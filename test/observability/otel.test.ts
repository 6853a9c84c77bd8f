import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { currentTrace, withTrace, type ManualClock } from '../../src/index.js';
import { loadOpenTelemetry } from '../../src/observability/otel.js';
import { testWarden } from '../helpers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(() => {
  trace.disable();
  context.disable();
});
beforeEach(() => {
  exporter.reset();
});

function spans(name?: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => name === undefined || span.name === name);
}

function only(name: string): ReadableSpan {
  const found = spans(name);
  expect(found.map((span) => span.name)).toEqual([name]);
  return found[0] as ReadableSpan;
}

function traceparentOf(span: ReadableSpan): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-0${traceFlags}`;
}

function sleep(clock: ManualClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

describe('OpenTelemetry, with a tracer provider registered', () => {
  it('opens a PRODUCER `create <type>` span per enqueued job and stores its context', async () => {
    const { warden } = testWarden();
    warden.defineJob('mail', { run: () => undefined });
    await warden.start();

    const job = await warden.enqueue('mail', { to: 'ada' });

    const create = only('create mail');
    expect(create.kind).toBe(SpanKind.PRODUCER);
    expect(create.parentSpanContext).toBeUndefined();
    expect(create.attributes).toEqual({
      'messaging.system': 'warden',
      'messaging.operation.type': 'create',
      'messaging.operation.name': 'create',
      'messaging.destination.name': 'mail',
      'messaging.message.id': job.id,
    });
    expect(create.instrumentationScope.name).toBe('warden');
    expect(job.traceparent).toBe(traceparentOf(create));
    expect((await warden.getJob(job.id))?.traceparent).toBe(traceparentOf(create));
  });

  it('makes the create span a child of the caller’s active span, or of its Warden context', async () => {
    const { warden } = testWarden();
    warden.defineJob('mail', { run: () => undefined });
    await warden.start();
    const tracer = trace.getTracer('app');

    const [request, jobs] = await tracer.startActiveSpan('request', async (span) => {
      const made = await warden.enqueueMany([
        { type: 'mail', payload: 1 },
        { type: 'mail', payload: 2 },
      ]);
      span.end();
      return [span, made] as const;
    });
    const creates = spans('create mail');
    expect(creates).toHaveLength(2);
    for (const create of creates) {
      expect(create.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(create.spanContext().traceId).toBe(request.spanContext().traceId);
    }
    expect(jobs.map((job) => job.traceparent).sort()).toEqual(creates.map(traceparentOf).sort());

    exporter.reset();
    await withTrace(header, () => warden.enqueue('mail', 3));
    const create = only('create mail');
    expect(create.parentSpanContext).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
    });
  });

  it('opens no create span for a job given its own traceparent, and stores that unchanged', async () => {
    const { warden } = testWarden();
    warden.defineJob('mail', { run: () => undefined });
    await warden.start();

    const job = await warden.enqueue('mail', {}, { traceparent: header, tracestate: 'rojo=1' });
    await warden.waitForJob(job.id);

    expect(spans('create mail')).toEqual([]);
    expect(job.traceparent).toBe(header);
    const process = only('process mail');
    expect(process.links.map((link) => link.context.spanId)).toEqual(['00f067aa0ba902b7']);
    expect(process.spanContext().traceState?.get('rojo')).toBe('1');
  });

  it('runs each attempt in a CONSUMER `process <type>` span, child of and linked to the creation context', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      {},
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const { warden, clock } = testWarden({ logger });
    const seen: {
      attempt: number;
      spanId: string;
      current?: string | undefined;
      inner?: string;
    }[] = [];
    const tracer = trace.getTracer('app');
    warden.defineJob('flaky', {
      retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 100 } },
      run: async (_p, ctx) => {
        await sleep(clock, 10);
        const inner = tracer.startSpan('work');
        inner.end();
        seen.push({
          attempt: ctx.attempt,
          spanId: ctx.spanId,
          ...(currentTrace() === undefined ? {} : { current: currentTrace()?.spanId }),
          inner: inner.spanContext().spanId,
        });
        ctx.log.info('working');
        if (ctx.attempt < 3)
          throw Object.assign(new Error(`flake ${ctx.attempt}`), { code: 'E_FLAKE' });
        return 'done';
      },
    });
    await warden.start();
    const job = await warden.enqueue('flaky', {});
    for (let i = 0; i < 3; i++) await clock.advance(110);
    expect((await warden.waitForJob(job.id)).status).toBe('succeeded');

    const create = only('create flaky');
    const processes = spans('process flaky');
    expect(processes).toHaveLength(3);
    processes.forEach((process, index) => {
      expect(process.kind).toBe(SpanKind.CONSUMER);
      expect(process.parentSpanContext?.spanId).toBe(create.spanContext().spanId);
      expect(process.spanContext().traceId).toBe(create.spanContext().traceId);
      expect(process.links).toHaveLength(1);
      expect(process.links[0]?.context).toMatchObject({
        traceId: create.spanContext().traceId,
        spanId: create.spanContext().spanId,
      });
      expect(process.attributes).toMatchObject({
        'messaging.system': 'warden',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': 'flaky',
        'messaging.message.id': job.id,
        'messaging.warden.attempt': index + 1,
      });
    });
    // The handler saw its attempt's span as ctx.spanId and as the current context.
    expect(seen.map((s) => s.spanId)).toEqual(processes.map((p) => p.spanContext().spanId));
    for (const s of seen) expect(s.current).toBe(s.spanId);
    // A span the handler starts is a child of its attempt's span.
    const work = spans('work');
    expect(work.map((w) => w.parentSpanContext?.spanId)).toEqual(seen.map((s) => s.spanId));
    // Failed attempts carry the error; the last one does not.
    expect(processes.map((p) => p.status)).toEqual([
      { code: SpanStatusCode.ERROR, message: 'flake 1' },
      { code: SpanStatusCode.ERROR, message: 'flake 2' },
      { code: SpanStatusCode.UNSET },
    ]);
    expect(processes.map((p) => p.attributes['error.type'])).toEqual([
      'E_FLAKE',
      'E_FLAKE',
      undefined,
    ]);
    expect(processes[0]?.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([
      ['exception', 'flake 1'],
    ]);
    expect(processes.map((p) => p.attributes['warden.job.outcome'])).toEqual([
      'retrying',
      'retrying',
      'succeeded',
    ]);
    // ctx.log lines carry the attempt's span.
    expect(lines.filter((l) => l['msg'] === 'working').map((l) => l['span_id'])).toEqual(
      seen.map((s) => s.spanId),
    );
  });

  it('marks a timed-out last attempt failed, with the error type of its code', async () => {
    const { warden, clock } = testWarden();
    warden.defineJob('slow', {
      timeoutMs: 50,
      retry: { attempts: 1 },
      run: (_p, ctx) =>
        new Promise((_resolve, reject) =>
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)),
        ),
    });
    await warden.start();
    const job = await warden.enqueue('slow', {});
    await clock.advance(50);
    expect((await warden.waitForJob(job.id)).status).toBe('dead');

    const process = only('process slow');
    expect(process.status.code).toBe(SpanStatusCode.ERROR);
    expect(process.attributes).toMatchObject({
      'error.type': 'JOB_TIMEOUT',
      'warden.job.outcome': 'dead',
    });
  });

  it('ends an abandoned attempt’s span when Warden stops', async () => {
    const { warden } = testWarden();
    warden.defineJob('hang', { run: () => new Promise(() => undefined) });
    await warden.start();
    const job = await warden.enqueue('hang', {});
    while ((await warden.getJob(job.id))?.status !== 'running')
      await new Promise((r) => setImmediate(r));
    expect(spans('process hang')).toEqual([]);
    await warden.stop({ graceMs: 0 });
    expect(only('process hang').attributes['warden.job.outcome']).toBe('abandoned');
  });
});

describe('loading @opentelemetry/api', () => {
  it('tolerates its absence', async () => {
    await expect(loadOpenTelemetry('@opentelemetry/not-installed-here')).resolves.toBeNull();
    await expect(loadOpenTelemetry()).resolves.toMatchObject({ trace });
  });
});

import { capture } from './captureLogger.js';
import { describe, expect, it } from 'vitest';
import {
  createManualClock,
  currentTrace,
  InvalidOptionError,
  parseTraceparent,
  withTrace,
  type JobContext,
  type ManualClock,
  type TraceContext,
} from '../../src/index.js';
import { deferred, t0, tempDatabase, testWarden } from '../helpers.js';

const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

/** What one attempt saw: its ctx ids, and the current trace at each point it looked. */
interface Seen {
  readonly attempt: number;
  readonly ctx: { traceId: string; spanId: string; traceparent: string };
  readonly points: Record<string, TraceContext | undefined>;
}

function idsOf(ctx: JobContext): Seen['ctx'] {
  return { traceId: ctx.traceId, spanId: ctx.spanId, traceparent: ctx.traceparent };
}

/** Waits for `ms` on the manual clock, from inside a handler. */
function sleep(clock: ManualClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

describe('trace context of jobs', () => {
  it('gives a job enqueued outside any context a new trace, stored with it', async () => {
    const { warden } = testWarden();
    const seen: Seen['ctx'][] = [];
    warden.defineJob('mail', { run: (_p, ctx) => void seen.push(idsOf(ctx)) });
    await warden.start();
    expect(currentTrace()).toBeUndefined();

    const a = await warden.enqueue('mail', {});
    const b = await warden.enqueue('mail', {});
    await warden.waitForJob(a.id);
    await warden.waitForJob(b.id);

    const stored = parseTraceparent(a.traceparent);
    expect((await warden.getJob(a.id))?.traceparent).toBe(a.traceparent);
    expect(parseTraceparent(b.traceparent).traceId).not.toBe(stored.traceId);
    // The attempt is a new span in the job's trace.
    expect(seen[0]?.traceId).toBe(stored.traceId);
    expect(seen[0]?.spanId).not.toBe(stored.spanId);
    expect(seen[0]?.traceparent).toBe(`00-${stored.traceId}-${seen[0]?.spanId}-01`);
  });

  it('joins the caller’s context, from withTrace, and keeps its tracestate', async () => {
    const { warden } = testWarden();
    const seen: (TraceContext | undefined)[] = [];
    warden.defineJob('mail', { run: () => void seen.push(currentTrace()) });
    await warden.start();

    const job = await withTrace(header, () => warden.enqueue('mail', {}), 'rojo=1');
    await warden.waitForJob(job.id);

    expect(job).toMatchObject({ traceparent: header, tracestate: 'rojo=1' });
    expect(seen[0]).toMatchObject({ traceId, flags: 1, traceState: 'rojo=1' });
    expect(seen[0]?.spanId).not.toBe('00f067aa0ba902b7');
  });

  it('stores an explicit traceparent and tracestate as given, over the caller’s context', async () => {
    const { warden } = testWarden();
    warden.defineJob('mail', { run: () => undefined });
    await warden.start();
    const other = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

    const job = await withTrace(other, () =>
      warden.enqueue('mail', {}, { traceparent: header, tracestate: 'congo=t61rcWkgMzE' }),
    );
    const [many] = await warden.enqueueMany([
      { type: 'mail', payload: {}, options: { traceparent: header } },
    ]);

    expect(await warden.getJob(job.id)).toMatchObject({
      traceparent: header,
      tracestate: 'congo=t61rcWkgMzE',
    });
    expect(many).toMatchObject({ traceparent: header, tracestate: null });
  });

  it('refuses a malformed traceparent or tracestate with a typed error, and stores nothing', async () => {
    const { warden } = testWarden();
    warden.defineJob('mail', { run: () => undefined });
    await warden.start();

    const bad = '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01';
    await expect(warden.enqueue('mail', {}, { traceparent: bad })).rejects.toThrow(
      InvalidOptionError,
    );
    await expect(warden.enqueue('mail', {}, { traceparent: bad })).rejects.toThrow(
      `got \`${bad}\``,
    );
    await expect(
      warden.enqueue('mail', {}, { traceparent: header, tracestate: 'a=1,a=2' }),
    ).rejects.toThrow(/`tracestate`.*`a` repeats/);
    await expect(warden.enqueue('mail', {}, { tracestate: 'a=1' })).rejects.toThrow(
      /`tracestate` to be left out unless `traceparent` is given/,
    );
    await expect(
      warden.enqueueMany([
        { type: 'mail', payload: {} },
        { type: 'mail', payload: {}, options: { traceparent: '00-00' } },
      ]),
    ).rejects.toThrow(/`items\[1\]\.traceparent`/);
    expect(() => withTrace(bad, () => warden.enqueue('mail', {}))).toThrow(InvalidOptionError);

    expect((await warden.countJobs()).queued).toBe(0);
    expect(await warden.listJobs({})).toEqual([]);
  });

  it('keeps the attempt’s context across awaits, timers and nested async work', async () => {
    const { warden, clock } = testWarden();
    const seen: Seen[] = [];
    warden.defineJob('crawl', {
      run: async (_p, ctx) => {
        const points: Seen['points'] = { start: currentTrace() };
        await Promise.resolve();
        points['await'] = currentTrace();
        await sleep(clock, 1000);
        points['timer'] = currentTrace();
        await new Promise<void>((resolve) => setImmediate(resolve));
        points['setImmediate'] = currentTrace();
        const [inner] = await Promise.all([
          (async () => {
            await sleep(clock, 500);
            return currentTrace();
          })(),
        ]);
        points['nested'] = inner;
        seen.push({ attempt: ctx.attempt, ctx: idsOf(ctx), points });
      },
    });
    await warden.start();

    const job = await warden.enqueue('crawl', {});
    await clock.advance(1000);
    await clock.advance(500);
    await warden.waitForJob(job.id);

    const [only] = seen;
    const points = Object.values(only?.points ?? {});
    expect(points).toHaveLength(5);
    for (const point of points) {
      expect(point).toMatchObject({ traceId: only?.ctx.traceId, spanId: only?.ctx.spanId });
    }
    // Outside the handler, nothing leaked into the test's own context.
    expect(currentTrace()).toBeUndefined();
  });

  it('runs every retry in the job’s trace, each attempt a span of its own', async () => {
    const { warden, clock } = testWarden();
    const seen: Seen[] = [];
    warden.defineJob('flaky', {
      retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 1000 } },
      run: async (_p, ctx) => {
        await sleep(clock, 10);
        seen.push({ attempt: ctx.attempt, ctx: idsOf(ctx), points: { after: currentTrace() } });
        if (ctx.attempt < 3) throw new Error(`flake ${ctx.attempt}`);
      },
    });
    await warden.start();

    const job = await withTrace(header, () => warden.enqueue('flaky', {}));
    for (let i = 0; i < 3; i++) await clock.advance(1010);
    expect((await warden.waitForJob(job.id)).status).toBe('succeeded');

    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((s) => s.ctx.traceId))).toEqual(new Set([traceId]));
    expect(new Set(seen.map((s) => s.ctx.spanId)).size).toBe(3);
    for (const s of seen) expect(s.points['after']?.spanId).toBe(s.ctx.spanId);
  });

  it('runs a replayed job in its trace again', async () => {
    const { warden } = testWarden();
    const seen: string[] = [];
    warden.defineJob('once', {
      retry: { attempts: 1 },
      run: () => {
        seen.push(currentTrace()?.traceId ?? 'none');
        if (seen.length === 1) throw new Error('first time');
      },
    });
    await warden.start();
    const job = await warden.enqueue('once', {}, { traceparent: header });
    expect((await warden.waitForJob(job.id)).status).toBe('dead');

    await warden.retryJob(job.id);
    expect((await warden.waitForJob(job.id)).status).toBe('succeeded');
    expect(seen).toEqual([traceId, traceId]);
  });

  it('runs a job in its stored trace after a restart on the same file', async () => {
    const database = tempDatabase();
    const clock = createManualClock(t0);
    const first = testWarden({ database, clock }).warden;
    first.defineJob('later', { run: () => undefined });
    await first.start();
    const job = await withTrace(header, () => first.enqueue('later', {}, { delayMs: 5000 }));
    await first.stop();

    const second = testWarden({ database, clock }).warden;
    const seen: Seen['ctx'][] = [];
    second.defineJob('later', { run: (_p, ctx) => void seen.push(idsOf(ctx)) });
    await second.start();
    await clock.advance(5000);
    expect((await second.waitForJob(job.id)).traceparent).toBe(header);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.traceId).toBe(traceId);
  });

  it('gives a job enqueued from a handler the attempt’s context as its creation context', async () => {
    const { warden } = testWarden();
    const parent = deferred<Seen['ctx']>();
    const child = deferred<Seen['ctx']>();
    warden.defineJob('child', { run: (_p, ctx) => child.resolve(idsOf(ctx)) });
    warden.defineJob('parent', {
      run: async (_p, ctx) => {
        parent.resolve(idsOf(ctx));
        return (await warden.enqueue('child', {})).id;
      },
    });
    await warden.start();
    const job = await warden.enqueue('parent', {});
    const childId = (await warden.waitForJob(job.id)).result as string;

    const childJob = await warden.getJob(childId);
    expect(childJob?.traceparent).toBe((await parent.promise).traceparent);
    expect((await child.promise).traceId).toBe((await parent.promise).traceId);
  });
});

describe('trace fields in log lines', () => {
  it('puts trace_id and span_id on every ctx.log line, beside the job fields', async () => {
    const { logger, lines } = capture();
    const { warden, clock } = testWarden({ logger });
    const seen: Seen['ctx'][] = [];
    warden.defineJob('mail', {
      retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 100 } },
      run: async (_p, ctx) => {
        seen.push(idsOf(ctx));
        ctx.log.info('before');
        await sleep(clock, 10);
        ctx.log.child({ step: 'send' }).warn({ to: 'ada' }, 'after');
        if (ctx.attempt === 1) throw new Error('flake');
      },
    });
    await warden.start();
    const job = await warden.enqueue('mail', {});
    await clock.advance(10);
    await clock.advance(100);
    await clock.advance(10);
    await warden.waitForJob(job.id);

    const jobLines = lines.filter((line) => line['jobId'] === job.id);
    expect(jobLines.map((l) => [l['msg'], l['attempt'], l['trace_id'], l['span_id']])).toEqual([
      ['before', 1, seen[0]?.traceId, seen[0]?.spanId],
      ['after', 1, seen[0]?.traceId, seen[0]?.spanId],
      ['before', 2, seen[1]?.traceId, seen[1]?.spanId],
      ['after', 2, seen[1]?.traceId, seen[1]?.spanId],
    ]);
    expect(jobLines[1]).toMatchObject({ step: 'send', to: 'ada', jobType: 'mail' });
  });

  it('carries the trace on Warden’s own lines written in a context, and none outside', async () => {
    const { logger, lines } = capture({ formatters: { log: (o) => ({ ...o, app: 'shop' }) } });
    const { warden } = testWarden({ logger });
    warden.defineJob('mail', {
      retry: {
        attempts: 2,
        retryable: () => {
          throw new Error('predicate bug');
        },
      },
      run: () => {
        throw new Error('boom');
      },
    });
    await withTrace(header, () => warden.start());
    const job = await warden.enqueue('mail', {});
    await warden.waitForJob(job.id);

    const started = lines.find((line) => line['msg'] === 'warden started');
    expect(started).toMatchObject({ trace_id: traceId, span_id: '00f067aa0ba902b7', app: 'shop' });
    const ctxLine = lines.find((line) => String(line['msg']).startsWith('retryable() threw'));
    expect(ctxLine).toMatchObject({
      jobId: job.id,
      trace_id: job.traceparent?.slice(3, 35),
      app: 'shop',
    });
    await warden.stop();
    const stopped = lines.find((line) => line['msg'] === 'warden stopped');
    expect(stopped).toMatchObject({ app: 'shop' });
    expect(stopped).not.toHaveProperty('trace_id');
  });

  it('lets a line set its own trace_id', () => {
    const { logger, lines } = capture();
    const { warden } = testWarden({ logger });
    expect(warden).toBeDefined();
    withTrace(header, () => {
      warden.options.logger.info({ trace_id: 'mine' }, 'own');
    });
    expect(lines.at(-1)).toMatchObject({ trace_id: 'mine', msg: 'own' });
    expect(lines.at(-1)).not.toHaveProperty('span_id');
  });
});

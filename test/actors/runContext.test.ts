import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Lease } from '../../src/actors/pool.js';
import { FallbackRunContext, RunContext, type RunView } from '../../src/actors/runContext.js';
import { InvalidOptionError } from '../../src/errors.js';
import { AttemptTrace } from '../../src/observability/traceAttempt.js';

/** A lease that records how it ended; `alreadyEnded` makes release() throw, as after a timeout. */
function fakeLease(alreadyEnded = false): { lease: Lease<string>; ends: string[] } {
  const ends: string[] = [];
  const controller = new AbortController();
  const lease: Lease<string> = {
    resource: 'conn',
    signal: controller.signal,
    release: () => {
      if (alreadyEnded) throw new Error('lease already ended');
      ends.push('release');
    },
    destroy: () => ends.push('destroy'),
    fail: (error) => ends.push(`fail ${(error as Error).message}`),
  };
  return { lease, ends };
}

/** A run as RunContext reads it, recording the calls it gets. */
function fakeRun(lease: Lease<string>): RunView & { calls: string[] } {
  const calls: string[] = [];
  const controllers = { attempt: new AbortController(), fallback: new AbortController() };
  return {
    calls,
    id: '7',
    type: 'email',
    attempt: 2,
    maxAttempts: 3,
    trace: new AttemptTrace({ id: '7', type: 'email' }, 2),
    progressFunction: undefined,
    checkpointFunction: undefined,
    signal: (phase) => controllers[phase].signal,
    log: () => pino({ level: 'silent' }),
    lastCheckpoint: () => ({ page: 4 }),
    reportProgress: (done, total) => calls.push(`progress ${String(done)}/${String(total)}`),
    saveCheckpoint: (data) => {
      calls.push(`checkpoint ${JSON.stringify(data)}`);
      return Promise.resolve();
    },
    acquire: (pool, _options, signal) => {
      calls.push(
        `acquire ${String(pool)} ${signal === controllers.attempt.signal ? 'attempt' : 'other'}`,
      );
      return Promise.resolve(lease as Lease<unknown>);
    },
  };
}

describe('RunContext', () => {
  it('reads the run it views', () => {
    const run = fakeRun(fakeLease().lease);
    const ctx = new RunContext(run, 'attempt');
    expect([ctx.jobId, ctx.type, ctx.attempt, ctx.maxAttempts]).toEqual(['7', 'email', 2, 3]);
    expect(ctx.signal).toBe(run.signal('attempt'));
    expect(ctx.lastCheckpoint).toEqual({ page: 4 });
    expect(typeof ctx.log.info).toBe('function');
  });

  it('binds progress and checkpoint once, so a handler may destructure them', async () => {
    const run = fakeRun(fakeLease().lease);
    const { progress, checkpoint } = new RunContext(run, 'attempt');
    progress(1, 10);
    await checkpoint({ page: 5 });
    expect(new RunContext(run, 'attempt').progress).toBe(progress);
    expect(run.calls).toEqual(['progress 1/10', 'checkpoint {"page":5}']);
  });

  it('acquires with the attempt’s signal', async () => {
    const { lease } = fakeLease();
    const run = fakeRun(lease);
    expect(await new RunContext(run, 'attempt').acquire('db')).toBe(lease);
    expect(run.calls).toEqual(['acquire db attempt']);
  });

  it('uses a lease and releases it after fn returns', async () => {
    const { lease, ends } = fakeLease();
    const ctx = new RunContext(fakeRun(lease), 'attempt');
    const seen: string[] = [];
    const value = await ctx.use<string, string>('db', (resource, { signal }) => {
      seen.push(`${resource} ${String(signal.aborted)}`);
      return 'done';
    });
    expect(value).toBe('done');
    expect(seen).toEqual(['conn false']);
    expect(ends).toEqual(['release']);
  });

  it('fails the lease with what fn throws, and rethrows it', async () => {
    const { lease, ends } = fakeLease();
    const ctx = new RunContext(fakeRun(lease), 'attempt');
    await expect(
      ctx.use('db', () => {
        throw new Error('broken pipe');
      }),
    ).rejects.toThrow('broken pipe');
    expect(ends).toEqual(['fail broken pipe']);
  });

  it('returns fn’s value even when the attempt’s end ended the lease first', async () => {
    const { lease } = fakeLease(true);
    const ctx = new RunContext(fakeRun(lease), 'attempt');
    expect(await ctx.use('db', () => 42)).toBe(42);
  });

  it('refuses a use() without a function, acquiring nothing', async () => {
    const run = fakeRun(fakeLease().lease);
    await expect(new RunContext(run, 'attempt').use('db', 'query' as never)).rejects.toBeInstanceOf(
      InvalidOptionError,
    );
    expect(run.calls).toEqual([]);
  });
});

describe('FallbackRunContext', () => {
  it('carries the last attempt’s error and the fallback’s signal', () => {
    const run = fakeRun(fakeLease().lease);
    const error = new Error('last attempt');
    const ctx = new FallbackRunContext(run, error);
    expect(ctx.error).toBe(error);
    expect(ctx.signal).toBe(run.signal('fallback'));
    expect(ctx.signal).not.toBe(run.signal('attempt'));
  });
});

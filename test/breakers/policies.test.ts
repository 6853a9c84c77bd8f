import { describe, expect, it } from 'vitest';
import { CallTimeoutError, CircuitOpenError, InvalidOptionError } from '../../src/index.js';
import { deferred, testWarden } from '../helpers.js';
import { callTimes, down, isOpen, ok, ServiceDown, traceBreakers } from './helpers.js';

describe('breaker defaults', () => {
  it('judges nothing before 10 calls, then opens at a 50 % failure rate over the last 20', async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api');
    expect(await callTimes(breaker, 9, down)).toEqual(new Array(9).fill('Error'));
    expect(breaker.state).toBe('closed');
    expect(await callTimes(breaker, 1, down)).toEqual(['Error']);
    expect(breaker.state).toBe('open');
    const refused = await breaker.call(ok).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(refused).toMatchObject({ code: 'CIRCUIT_OPEN', breaker: 'api', retryAfterMs: 30_000 });
  });

  it('opens when the 10th call brings a 50 % failure rate, even if that call succeeded', async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api');
    await callTimes(breaker, 5, down);
    await callTimes(breaker, 4, ok);
    expect(breaker.state).toBe('closed');
    await callTimes(breaker, 1, ok);
    expect(breaker.state).toBe('open');
  });

  it('forgets the outcomes that left the window of 20 calls', async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api');
    await callTimes(breaker, 5, ok);
    await callTimes(breaker, 4, down);
    await callTimes(breaker, 20, ok); // the 4 failures leave the window
    await callTimes(breaker, 9, down); // 9 of 20
    expect(breaker.state).toBe('closed');
    await callTimes(breaker, 1, down); // 10 of 20
    expect(breaker.state).toBe('open');
  });

  it('stays open for 30 s, doubling with each failed trial up to 5 min, and closes after one good trial', async () => {
    const { warden, clock } = testWarden();
    const trace = traceBreakers(warden);
    await warden.start();
    const breaker = warden.breaker('api');
    await callTimes(breaker, 10, down);
    const periods: number[] = [];
    for (let open = 0; open < 6; open++) {
      const opened = clock.now();
      while (isOpen(breaker)) await clock.next();
      periods.push(clock.now() - opened);
      await callTimes(breaker, 1, down); // the trial fails: open again
    }
    expect(periods).toEqual([30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
    while (isOpen(breaker)) await clock.next();
    expect(await callTimes(breaker, 1, ok)).toEqual(['ok']);
    expect(breaker.state).toBe('closed');
    // Closing resets the backoff.
    await callTimes(breaker, 10, down);
    const opened = clock.now();
    while (isOpen(breaker)) await clock.next();
    expect(clock.now() - opened).toBe(30_000);
    expect(trace.slice(0, 4)).toEqual([
      'breaker.opened api from closed',
      'breaker.half-opened api from open',
      'breaker.opened api from half-open',
      'breaker.half-opened api from open',
    ]);
  });
});

describe('trip rules', () => {
  it('opens after consecutive failures, below the minimum of calls', async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', { consecutiveFailures: 3, failureRate: false });
    await callTimes(breaker, 2, down);
    await callTimes(breaker, 1, ok);
    await callTimes(breaker, 2, down);
    expect(breaker.state).toBe('closed');
    await callTimes(breaker, 1, down);
    expect(breaker.state).toBe('open');
    expect(breaker.history().at(-1)?.cause).toMatchObject({
      reason: 'tripped',
      rule: 'consecutive-failures',
      value: 3,
      threshold: 3,
      error: { message: 'service answered 503' },
    });
  });

  it('measures the failure rate over a time window', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', {
      window: { type: 'time', ms: 10_000, buckets: 10 },
      minimumCalls: 4,
      failureRate: 0.5,
    });
    await callTimes(breaker, 3, down);
    await clock.advance(10_000); // those failures age out
    await callTimes(breaker, 3, ok);
    await callTimes(breaker, 2, down);
    expect(breaker.state).toBe('closed'); // 2 of 5
    await callTimes(breaker, 1, down);
    expect(breaker.state).toBe('open'); // 3 of 6
  });

  it('opens on the rate of slow calls, successes included', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', {
      slowCallMs: 1000,
      slowCallRate: 0.5,
      minimumCalls: 4,
      failureRate: false,
    });
    const slowCall = async (): Promise<void> => {
      const gate = deferred<string>();
      const call = breaker.call(() => gate.promise);
      await clock.advance(1001);
      gate.resolve('late');
      await call;
    };
    await callTimes(breaker, 2, ok);
    await slowCall();
    expect(breaker.state).toBe('closed');
    await slowCall();
    expect(breaker.state).toBe('open');
    expect(breaker.stats).toMatchObject({ slow: 2, failures: 0, successes: 4 });
  });

  it('does not count errors that isFailure excuses', async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', {
      isFailure: (error) => !(error instanceof ServiceDown && error.status === 404),
      consecutiveFailures: 2,
    });
    const notFound = async (): Promise<never> => {
      throw new ServiceDown(404);
    };
    await callTimes(breaker, 20, notFound);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats).toMatchObject({ failures: 0, successes: 20 });
    await callTimes(breaker, 2, down);
    expect(breaker.state).toBe('open');
  });

  it('never counts the calls it refuses as failures', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', { consecutiveFailures: 1, halfOpen: { calls: 1 } });
    await callTimes(breaker, 1, down);
    expect(await callTimes(breaker, 50, ok)).toEqual(new Array(50).fill('CIRCUIT_OPEN'));
    await clock.advance(30_000);
    expect(await callTimes(breaker, 1, ok)).toEqual(['ok']);
    expect(breaker.stats).toMatchObject({ state: 'closed', rejected: 50, failures: 1, calls: 2 });
  });
});

describe('calls', () => {
  it('aborts a call past timeoutMs and counts it as a failure', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', { timeoutMs: 500, consecutiveFailures: 1 });
    let seen: AbortSignal | undefined;
    const call = breaker.call((signal) => {
      seen = signal;
      return new Promise(() => undefined);
    });
    const outcome = call.catch((error: unknown) => error);
    await clock.advance(500);
    const error = await outcome;
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(error).toMatchObject({ code: 'CALL_TIMEOUT', timeoutMs: 500 });
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(error);
    expect(breaker.state).toBe('open');
    expect(breaker.stats.timeouts).toBe(1);
  });

  it("rejects at once with the caller's abort reason, counting nothing", async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', { consecutiveFailures: 1 });
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const call = breaker.call(
      (signal) => {
        seen = signal;
        return new Promise(() => undefined);
      },
      { signal: controller.signal },
    );
    controller.abort(new Error('caller gave up'));
    await expect(call).rejects.toThrow('caller gave up');
    expect(seen?.aborted).toBe(true);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats).toMatchObject({ failures: 0, successes: 0 });
    await expect(breaker.call(ok, { signal: controller.signal })).rejects.toThrow('caller gave up');
  });

  it('answers with the fallback when a call fails or is refused, per breaker or per call', async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', {
      consecutiveFailures: 2,
      fallback: (error) => `fallback after ${(error as { code?: string }).code ?? error.message}`,
    });
    expect(await breaker.call(down)).toBe('fallback after service answered 503');
    expect(await breaker.call(down)).toBe('fallback after service answered 503');
    expect(breaker.state).toBe('open');
    expect(await breaker.call(ok)).toBe('fallback after CIRCUIT_OPEN');
    expect(await breaker.call(ok, { fallback: () => 'mine' })).toBe('mine');
    expect(breaker.stats.fallbacks).toBe(4);
  });

  it('returns the same breaker for the same name', async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', { consecutiveFailures: 2, isFailure: () => true });
    expect(warden.breaker('api')).toBe(breaker);
    expect(warden.breaker('api', { consecutiveFailures: 2, isFailure: () => true })).toBe(breaker);
    expect(() => warden.breaker('api', { consecutiveFailures: 3 })).toThrow(
      "Expected `breaker('api').consecutiveFailures` to be `2` (number) as when the breaker was first created",
    );
    expect(() => warden.breaker('api', { consecutiveFailures: 3 })).toThrow(InvalidOptionError);
  });

  it.each([
    [{ failureRat: 0.5 }, 'failureRat', 'did you mean `failureRate`'],
    [{ failureRate: 1.5 }, 'failureRate', '1.5'],
    [{ failureRate: 0 }, 'failureRate', '0'],
    [{ minimumCalls: 0 }, 'minimumCalls', '0'],
    [{ window: { type: 'count', size: 0 } }, 'window.size', '0'],
    [{ window: { type: 'sliding' } }, 'window.type', 'sliding'],
    [{ window: { type: 'time', ms: 1000, bucket: 5 } }, 'window.bucket', 'did you mean `buckets`'],
    [{ slowCallRate: 0.5 }, 'slowCallRate', 'slowCallMs'],
    [
      { halfOpen: { calls: 2, successes: 3 } },
      'halfOpen.successes',
      'at most `halfOpen.calls` (2)',
    ],
    [{ minimumCalls: 21 }, 'minimumCalls', 'from 1 to 20'],
    [{ halfOpen: { call: 2 } }, 'halfOpen.call', 'did you mean `calls`'],
    [{ openMs: -1 }, 'openMs', '-1'],
    [{ openMs: { type: 'linear', delayMs: 5 } }, 'openMs.type', 'linear'],
    [{ timeoutMs: 0 }, 'timeoutMs', '0'],
    [{ isFailure: 'yes' }, 'isFailure', 'yes'],
  ])('refuses the options %j with an error naming %s', async (options, field, quoted) => {
    const { warden } = testWarden();
    const error = (() => {
      try {
        warden.breaker('api', options as never);
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toContain(`breaker('api').${field}`);
    expect((error as Error).message).toContain(quoted);
  });

  it('refuses bad call arguments with typed errors', async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api');
    await expect(breaker.call('nope' as never)).rejects.toThrow(InvalidOptionError);
    await expect(breaker.call(ok, { timeout: 5 } as never)).rejects.toThrow(
      'did you mean `timeoutMs`',
    );
    await expect(breaker.call(ok, { signal: 'x' } as never)).rejects.toThrow(InvalidOptionError);
    expect(() => warden.breaker('')).toThrow(InvalidOptionError);
  });
});

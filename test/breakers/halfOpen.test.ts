import { describe, expect, it } from 'vitest';
import { deferred, testWarden } from '../helpers.js';
import { callTimes, down, ok, traceBreakers } from './helpers.js';

async function openBreaker(
  options: Parameters<ReturnType<typeof testWarden>['warden']['breaker']>[1],
) {
  const { warden, clock } = testWarden();
  const trace = traceBreakers(warden);
  await warden.start();
  const breaker = warden.breaker('api', { consecutiveFailures: 1, openMs: 1000, ...options });
  await callTimes(breaker, 1, down);
  expect(breaker.state).toBe('open');
  await clock.advance(1000);
  expect(breaker.state).toBe('half-open');
  return { warden, clock, breaker, trace };
}

describe('half-open trials', () => {
  it('lets `calls` trial calls through at once and refuses the rest', async () => {
    const { breaker } = await openBreaker({ halfOpen: { calls: 3, successes: 3 } });
    const gates = [deferred<string>(), deferred<string>(), deferred<string>()];
    const trials = gates.map((gate) => breaker.call(() => gate.promise));
    await expect(breaker.call(ok)).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
      state: 'half-open',
    });
    gates[0]?.resolve('a');
    gates[1]?.resolve('b');
    await Promise.all(trials.slice(0, 2));
    expect(breaker.state).toBe('half-open'); // 2 of 3 successes
    gates[2]?.resolve('c');
    await trials[2];
    expect(breaker.state).toBe('closed');
    expect(breaker.stats.rejected).toBe(1);
  });

  it('closes after `successes` of its trial calls succeed', async () => {
    const { breaker } = await openBreaker({ halfOpen: { calls: 3, successes: 2 } });
    await callTimes(breaker, 1, ok);
    expect(breaker.state).toBe('half-open');
    await callTimes(breaker, 1, ok);
    expect(breaker.state).toBe('closed');
  });

  it('reopens on any failed trial, and ignores the trials that end after it', async () => {
    const { breaker, trace } = await openBreaker({ halfOpen: { calls: 2, successes: 2 } });
    const late = deferred<string>();
    const lateCall = breaker.call(() => late.promise);
    await callTimes(breaker, 1, down);
    expect(breaker.state).toBe('open');
    late.resolve('late success');
    await lateCall;
    expect(breaker.state).toBe('open'); // a success from the earlier trial changes nothing
    expect(trace).toEqual([
      'breaker.opened api from closed',
      'breaker.half-opened api from open',
      'breaker.opened api from half-open',
    ]);
    expect(breaker.history().at(-1)).toMatchObject({
      from: 'half-open',
      to: 'open',
      cause: { reason: 'trial failed' },
    });
  });

  it('gives a trial permit back when its caller aborts', async () => {
    const { breaker } = await openBreaker({ halfOpen: { calls: 1 } });
    const controller = new AbortController();
    const aborted = breaker.call(() => new Promise(() => undefined), {
      signal: controller.signal,
    });
    controller.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    expect(await callTimes(breaker, 1, ok)).toEqual(['ok']);
    expect(breaker.state).toBe('closed');
  });

  it('reopens when its trial does not decide within maxWaitMs', async () => {
    const { breaker, clock } = await openBreaker({ halfOpen: { calls: 1, maxWaitMs: 5000 } });
    void breaker.call(() => new Promise(() => undefined)); // hangs forever
    await clock.advance(4999);
    expect(breaker.state).toBe('half-open');
    await clock.advance(1);
    expect(breaker.state).toBe('open');
    expect(breaker.history().at(-1)?.cause).toEqual({
      reason: 'trial did not decide in time',
      maxWaitMs: 5000,
    });
    await clock.advance(1000);
    expect(breaker.state).toBe('half-open'); // a fresh trial, not stuck
  });

  it('stays half-open without traffic: the wait runs only once a trial call began', async () => {
    const { breaker, clock } = await openBreaker({ halfOpen: { calls: 1, maxWaitMs: 5000 } });
    await clock.advance(60_000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.history()).toHaveLength(2); // opened, half-opened: no reopening
    void breaker.call(() => new Promise(() => undefined));
    await clock.advance(4999);
    expect(breaker.state).toBe('half-open');
    await clock.advance(1);
    expect(breaker.state).toBe('open');
  });

  it('counts a slow trial call as failed', async () => {
    const { breaker, clock } = await openBreaker({ slowCallMs: 100 });
    const gate = deferred<string>();
    const call = breaker.call(() => gate.promise);
    await clock.advance(101);
    gate.resolve('slow');
    await call;
    expect(breaker.state).toBe('open');
  });
});

describe('isolate and reset', () => {
  it('holds the breaker open until reset, then closes it with a clean window', async () => {
    const { warden, clock } = testWarden();
    const trace = traceBreakers(warden);
    await warden.start();
    const breaker = warden.breaker('api', { consecutiveFailures: 2 });
    await callTimes(breaker, 1, down);
    breaker.isolate();
    await clock.advance(10 * 60_000);
    await expect(breaker.call(ok)).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
      state: 'isolated',
      retryAfterMs: Number.POSITIVE_INFINITY,
    });
    breaker.reset();
    expect(breaker.state).toBe('closed');
    await callTimes(breaker, 1, down);
    expect(breaker.state).toBe('closed'); // the failure before the isolation was forgotten
    expect(trace).toEqual(['breaker.isolated api from closed', 'breaker.closed api from isolated']);
  });

  it('publishes every state on state$', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', { consecutiveFailures: 1, openMs: 10 });
    const states: string[] = [];
    breaker.state$.subscribe((state) => states.push(state));
    await callTimes(breaker, 1, down);
    await clock.advance(10);
    await callTimes(breaker, 1, ok);
    breaker.isolate();
    breaker.reset();
    expect(states).toEqual(['closed', 'open', 'half-open', 'closed', 'isolated', 'closed']);
  });
});

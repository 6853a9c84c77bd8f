import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/index.js';
import { t0, tempDatabase, testWarden } from '../helpers.js';
import { callTimes, down, isOpen, ok, traceBreakers } from './helpers.js';

async function reopen(database: string, at: number) {
  const clock = createManualClock(at);
  const { warden } = testWarden({ database, clock });
  const trace = traceBreakers(warden);
  const breaker = warden.breaker('api', {
    consecutiveFailures: 1,
    openMs: { type: 'exponential', delayMs: 60_000 },
  });
  await warden.start();
  return { warden, clock, breaker, trace };
}

describe('breaker persistence', () => {
  it('keeps an open breaker open across a restart until its reset time', async () => {
    const database = tempDatabase();
    const first = await reopen(database, t0);
    await callTimes(first.breaker, 1, down);
    expect(first.breaker.state).toBe('open');
    await first.warden.stop();

    const second = await reopen(database, t0 + 45_000);
    expect(second.breaker.state).toBe('open');
    await expect(second.breaker.call(ok)).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
      retryAfterMs: 15_000,
    });
    await second.clock.advance(14_999);
    expect(second.breaker.state).toBe('open');
    await second.clock.advance(1);
    expect(second.breaker.state).toBe('half-open');
    expect(second.trace).toEqual(['breaker.half-opened api from open']);
  });

  it('half-opens at start-up when the reset time passed while the process was down', async () => {
    const database = tempDatabase();
    const first = await reopen(database, t0);
    await callTimes(first.breaker, 1, down);
    await first.warden.stop();

    const second = await reopen(database, t0 + 600_000);
    // At once: the first call after start() is a trial, not refused.
    expect(second.breaker.state).toBe('half-open');
    expect(second.trace).toEqual(['breaker.half-opened api from open']);
    expect(second.breaker.history().at(-1)).toMatchObject({
      from: 'open',
      to: 'half-open',
      at: t0 + 600_000,
    });
    expect(await callTimes(second.breaker, 1, ok)).toEqual(['ok']);
    expect(second.breaker.state).toBe('closed');
  });

  it('keeps the backoff step across a restart', async () => {
    const database = tempDatabase();
    const first = await reopen(database, t0);
    first.warden.breaker('api'); // same breaker
    const breaker = first.warden.breaker('api');
    await callTimes(breaker, 1, down); // open for 60 s
    await first.clock.advance(60_000);
    await callTimes(breaker, 1, down); // the trial fails: open for 120 s
    await first.warden.stop();

    const second = await reopen(database, first.clock.now() + 1000);
    await second.clock.advance(118_999);
    expect(second.breaker.state).toBe('open');
    await second.clock.advance(1);
    expect(second.breaker.state).toBe('half-open');
    await callTimes(second.breaker, 1, down); // the third open lasts 240 s
    const opened = second.clock.now();
    while (isOpen(second.breaker)) await second.clock.next();
    expect(second.clock.now() - opened).toBe(240_000);
  });

  it('keeps an isolated breaker isolated across restarts until it is reset', async () => {
    const database = tempDatabase();
    const first = await reopen(database, t0);
    first.breaker.isolate();
    await first.warden.stop();

    const second = await reopen(database, t0 + 86_400_000);
    await second.clock.advance(0);
    expect(second.breaker.state).toBe('isolated');
    second.breaker.reset();
    await second.warden.stop();

    const third = await reopen(database, t0 + 2 * 86_400_000);
    expect(third.breaker.state).toBe('closed');
  });

  it('records every change with its cause, queryable after a restart', async () => {
    const database = tempDatabase();
    const first = await reopen(database, t0);
    await callTimes(first.breaker, 1, down);
    await first.clock.advance(60_000);
    await callTimes(first.breaker, 1, ok);
    await first.warden.stop();

    const second = await reopen(database, t0 + 100_000);
    expect(second.breaker.history()).toEqual([
      {
        from: 'closed',
        to: 'open',
        at: t0,
        openUntil: t0 + 60_000,
        // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- an asymmetric matcher
        cause: expect.objectContaining({ reason: 'tripped', rule: 'consecutive-failures' }),
      },
      {
        from: 'open',
        to: 'half-open',
        at: t0 + 60_000,
        openUntil: null,
        cause: { reason: 'open period over' },
      },
      {
        from: 'half-open',
        to: 'closed',
        at: t0 + 60_000,
        openUntil: null,
        cause: { reason: 'trial passed', successes: 1 },
      },
    ]);
    expect(second.breaker.history(1)).toHaveLength(1);
  });

  it('runs as a supervised actor under `breakers`', async () => {
    const { warden } = testWarden();
    warden.breaker('api');
    await warden.start();
    const breakers = warden.tree().children?.find((node) => node.id === 'breakers');
    expect(breakers?.children).toEqual([
      { id: 'breaker:api', kind: 'worker', state: 'running', restarts: 0 },
    ]);
    warden.breaker('smtp'); // created while running: started at once
    await Promise.resolve();
    expect(warden.tree().children?.find((node) => node.id === 'breakers')?.children).toHaveLength(
      2,
    );
  });
});

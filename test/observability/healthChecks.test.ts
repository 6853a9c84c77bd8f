import { describe, expect, it } from 'vitest';
import { defaultHealthOptions, type EventLoopSampler } from '../../src/index.js';
import { poolsCheck, windowText, type PoolFigures } from '../../src/observability/healthChecks.js';
import { EventLoopWindow } from '../../src/observability/healthEventLoop.js';
import { callTimes, down, ok } from '../breakers/helpers.js';
import { testWarden } from '../helpers.js';

const pool = (figures: Partial<PoolFigures> = {}): PoolFigures => ({
  name: 'db',
  state: 'running',
  utilisation: 0.5,
  waiting: 0,
  saturated: false,
  consecutiveCreateFailures: 0,
  ...figures,
});

describe('the breakers check', () => {
  it('is degraded while a breaker is open, healthy again while it tries, and says so', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    const api = warden.breaker('api', { consecutiveFailures: 1, openMs: 1000 });
    warden.breaker('s3');
    expect(warden.health().checks.breakers).toEqual({
      status: 'healthy',
      open: [],
      isolated: [],
      halfOpen: [],
      message: 'every breaker is closed',
    });

    await callTimes(api, 1, down);
    expect(warden.health()).toMatchObject({
      status: 'degraded',
      checks: {
        breakers: { status: 'degraded', open: ['api'], message: 'refusing calls: api (open)' },
      },
    });

    await clock.advance(1000); // open → half-open: a trial call will be let through
    expect(warden.health().checks.breakers).toEqual({
      status: 'healthy',
      open: [],
      isolated: [],
      halfOpen: ['api'],
      message: 'trying again: api',
    });

    await callTimes(api, 1, ok);
    expect(warden.health().checks.breakers).toMatchObject({
      status: 'healthy',
      halfOpen: [],
      message: 'every breaker is closed',
    });
  });
});

describe('the pools check', () => {
  const options = defaultHealthOptions.pools;

  it('is degraded by a failed pool, naming it', () => {
    expect(poolsCheck([pool({ state: 'failed' }), pool({ name: 'cache' })], options)).toMatchObject(
      {
        status: 'degraded',
        message: 'db (failed)',
        pools: [
          { name: 'db', status: 'degraded' },
          { name: 'cache', status: 'healthy' },
        ],
      },
    );
  });

  it('gives every reason of a troubled pool, and counts the healthy ones', () => {
    const troubled = pool({ saturated: true, waiting: 4, consecutiveCreateFailures: 3 });
    expect(poolsCheck([troubled], options).message).toBe(
      'db (saturated, 4 waiting, 3 creates failed in a row)',
    );
    expect(poolsCheck([pool()], options).message).toBe('1 pool, none saturated');
    expect(poolsCheck([], options)).toMatchObject({
      status: 'healthy',
      message: '0 pools, none saturated',
    });
  });

  it('never counts failing creates against a pool when both thresholds are off', () => {
    const off = { degradedCreateFailures: null, unhealthyCreateFailures: null };
    expect(poolsCheck([pool({ consecutiveCreateFailures: 1_000 })], off).status).toBe('healthy');
  });
});

describe('EventLoopWindow', () => {
  it('starts its sampler once however often it is started, and keeps the last reading once stopped', () => {
    const calls: string[] = [];
    let reading = { p99Ms: 0, maxMs: 0, samples: 0 };
    const sampler: EventLoopSampler = {
      start: () => calls.push('start'),
      stop: () => calls.push('stop'),
      read: () => reading,
      reset: () => calls.push('reset'),
    };
    const window = new EventLoopWindow(sampler, 1000);
    window.start(0);
    window.start(500);
    expect(calls).toEqual(['reset', 'start']);

    reading = { p99Ms: 40, maxMs: 90, samples: 12 };
    expect(window.read(1000)).toEqual({ p99Ms: 40, maxMs: 90, samples: 12 });
    window.stop();
    reading = { p99Ms: 999, maxMs: 999, samples: 1 };
    expect(window.read(5000)).toEqual({ p99Ms: 40, maxMs: 90, samples: 12 });
    expect(calls).toEqual(['reset', 'start', 'reset', 'stop']);
  });
});

describe('windowText', () => {
  it('writes a window in the largest whole unit', () => {
    expect([7_200_000, 300_000, 90_000, 10_000, 1500].map(windowText)).toEqual([
      '2 h',
      '5 min',
      '90 s',
      '10 s',
      '1500 ms',
    ]);
  });
});

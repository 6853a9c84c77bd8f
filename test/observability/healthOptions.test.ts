import { describe, expect, it } from 'vitest';
import {
  createWarden,
  defaultHealthOptions,
  defaultWardenOptions,
  InvalidOptionError,
} from '../../src/index.js';
import { resolveHealthOptions } from '../../src/observability/healthOptions.js';
import { rejection } from '../helpers.js';

const sampler = {
  start() {},
  stop() {},
  read: () => ({ p99Ms: 0, maxMs: 0, samples: 0 }),
  reset() {},
};

describe('the health option', () => {
  it('defaults every threshold, as documented', () => {
    expect(resolveHealthOptions(undefined)).toEqual(defaultHealthOptions);
    expect(defaultWardenOptions.health).toBe(defaultHealthOptions);
    expect(defaultHealthOptions).toEqual({
      store: { windowMs: 60_000, degradedMs: 250, unhealthyMs: 5_000 },
      supervision: { windowMs: 300_000, degradedEscalations: 1, degradedDeadActors: 1 },
      pools: { degradedCreateFailures: 3, unhealthyCreateFailures: 10 },
      deadLetters: { windowMs: 300_000, degradedCount: 1 },
      stalls: { windowMs: 300_000, degradedCount: 1 },
      eventLoop: { windowMs: 10_000, degradedMs: 200, unhealthyMs: 1_000, sampler: null },
    });
  });

  it('takes the thresholds given, null turning one off, and keeps the defaults of the others', () => {
    expect(
      resolveHealthOptions({
        store: { degradedMs: 100 },
        deadLetters: { degradedCount: null, windowMs: 1000 },
        eventLoop: { unhealthyMs: null, sampler },
      }),
    ).toEqual({
      ...defaultHealthOptions,
      store: { windowMs: 60_000, degradedMs: 100, unhealthyMs: 5_000 },
      deadLetters: { windowMs: 1000, degradedCount: null },
      eventLoop: { windowMs: 10_000, degradedMs: 200, unhealthyMs: null, sampler },
    });
  });

  it.each([
    [
      { stor: {} },
      'health.stor',
      'Expected `health.stor` to be a known option (did you mean `store`?), got `{}` (object)',
    ],
    [
      { store: { degradedMS: 10 } },
      'health.store.degradedMS',
      'Expected `health.store.degradedMS` to be a known option (did you mean `degradedMs`?), got `10` (number)',
    ],
    [
      { pools: 3 },
      'health.pools',
      'Expected `health.pools` to be an options object, got `3` (number)',
    ],
    [
      { store: { windowMs: 0 } },
      'health.store.windowMs',
      'Expected `health.store.windowMs` to be a whole number from 1 to 604800000, got `0` (number)',
    ],
    [
      { eventLoop: { degradedMs: -1 } },
      'health.eventLoop.degradedMs',
      'Expected `health.eventLoop.degradedMs` to be a whole number from 0 to 604800000, got `-1` (number)',
    ],
    [
      { stalls: { degradedCount: 0 } },
      'health.stalls.degradedCount',
      'Expected `health.stalls.degradedCount` to be a whole number from 1 to 1000000000, got `0` (number)',
    ],
    [
      { supervision: { degradedEscalations: 2.5 } },
      'health.supervision.degradedEscalations',
      'Expected `health.supervision.degradedEscalations` to be a whole number from 1 to 1000000000, got `2.5` (number)',
    ],
    [
      { store: { degradedMs: 500, unhealthyMs: 400 } },
      'health.store.unhealthyMs',
      'Expected `health.store.unhealthyMs` to be a number not below `health.store.degradedMs` (500), got `400` (number)',
    ],
    [
      { pools: { unhealthyCreateFailures: 2 } },
      'health.pools.unhealthyCreateFailures',
      'Expected `health.pools.unhealthyCreateFailures` to be a number not below `health.pools.degradedCreateFailures` (3), got `2` (number)',
    ],
    [
      { eventLoop: { sampler: { start() {}, read() {} } } },
      'health.eventLoop.sampler',
      'Expected `health.eventLoop.sampler` to be an EventLoopSampler (it lacks `stop()`, `reset()`)',
    ],
  ])('refuses %j, naming %s', (health, option, message) => {
    let thrown: unknown;
    try {
      resolveHealthOptions(health);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionError);
    expect(thrown).toMatchObject({ code: 'INVALID_OPTION', option });
    expect((thrown as Error).message).toContain(message);
  });

  it('is checked by createWarden, which refuses an unknown key', async () => {
    const error = await rejection(() =>
      createWarden({ database: ':memory:', health: { eventloop: {} } as never }),
    );
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toContain('did you mean `eventLoop`?');
  });
});

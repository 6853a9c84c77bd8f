import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createManualClock, realClock } from '../../src/clock.js';
import {
  defaultStopOptions,
  defaultWardenOptions,
  resolveStopOptions,
  resolveWardenOptions,
} from '../../src/facade/wardenOptions.js';
import { defaultChildOptions } from '../../src/supervisor/childSpec.js';
import { invalidOption } from '../helpers.js';

describe('resolveWardenOptions', () => {
  it('fills in the defaults, with a silent logger, the real clock and Math.random', () => {
    const resolved = resolveWardenOptions(undefined);
    expect(resolved).toMatchObject({
      database: defaultWardenOptions.database,
      concurrency: defaultWardenOptions.concurrency,
      synchronous: defaultWardenOptions.synchronous,
      clock: realClock,
      random: Math.random,
      onFatal: null,
      supervision: {
        maxRestarts: defaultChildOptions.maxRestarts,
        withinMs: defaultChildOptions.withinMs,
      },
    });
    expect(typeof resolved.logger.child).toBe('function');
  });

  it('keeps what it is given', () => {
    const clock = createManualClock(5);
    const logger = pino({ level: 'silent' });
    const random = (): number => 0.5;
    const onFatal = (): void => undefined;
    expect(
      resolveWardenOptions({
        database: ':memory:',
        concurrency: 2,
        synchronous: 'normal',
        clock,
        logger,
        random,
        onFatal,
        supervision: { maxRestarts: 0, withinMs: 1 },
      }),
    ).toMatchObject({
      database: ':memory:',
      concurrency: 2,
      synchronous: 'normal',
      clock,
      logger,
      random,
      onFatal,
      supervision: { maxRestarts: 0, withinMs: 1 },
    });
  });

  it.each([
    [
      'options that are not an object',
      'jobs.db',
      /^Expected `createWarden options` to be an options object/,
    ],
    [
      'an unknown key',
      { concurency: 2 },
      /`createWarden options\.concurency`.*did you mean `concurrency`/,
    ],
    [
      'an unknown synchronous level',
      { synchronous: 'off' },
      /^Expected `synchronous` to be `'full'` or `'normal'`, got `off`/,
    ],
    ['a random that is not a function', { random: 0.5 }, /^Expected `random` to be a function/],
    [
      'a clock without timers',
      { clock: { now: (): number => 0 } },
      /^Expected `clock` to be a Clock with now, setTimeout and clearTimeout/,
    ],
    [
      'a clock whose now() is not a finite number',
      { clock: { ...realClock, now: (): number => Number.NaN } },
      /^Expected `clock` to be a Clock whose now\(\) is a finite number of ms/,
    ],
    [
      'an onFatal that is not a function',
      { onFatal: true },
      /^Expected `onFatal` to be a function/,
    ],
    [
      'a logger without child()',
      { logger: { fatal() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} } },
      /a pino logger \(it lacks `child\(\)`\)/,
    ],
    [
      'a logger that is a string',
      { logger: 'debug' },
      /a pino logger \(it lacks `fatal\(\)`, `error\(\)`/,
    ],
    ['an empty database path', { database: '' }, /^Expected `database` to be a non-empty string/],
    [
      'a concurrency of 0',
      { concurrency: 0 },
      /^Expected `concurrency` to be a whole number from 1 to 100000/,
    ],
    [
      'an unknown supervision key',
      { supervision: { within: 5 } },
      /`supervision\.within`.*did you mean `withinMs`/,
    ],
    ['negative maxRestarts', { supervision: { maxRestarts: -1 } }, /`supervision\.maxRestarts`/],
  ])('refuses %s', (_, options, message) => {
    expect(invalidOption(() => resolveWardenOptions(options))).toMatch(message);
  });
});

describe('defaultWardenOptions', () => {
  it('holds every option, null for no onFatal, and is what an empty options object resolves to', () => {
    expect(Object.keys(defaultWardenOptions).sort()).toEqual([
      'claimDepth',
      'clock',
      'commandPollMs',
      'concurrency',
      'database',
      'errorRetention',
      'health',
      'logger',
      'maxStalls',
      'onFatal',
      'random',
      'snapshotIntervalMs',
      'supervision',
      'synchronous',
    ]);
    expect(defaultWardenOptions).toMatchObject({
      onFatal: null,
      clock: realClock,
      random: Math.random,
    });
    // claimDepth: null is 4 × concurrency.
    expect(resolveWardenOptions({})).toEqual({ ...defaultWardenOptions, claimDepth: 32 });
  });

  it('fills a partial supervision field by field', () => {
    expect(resolveWardenOptions({ supervision: { maxRestarts: 1 } }).supervision).toEqual({
      maxRestarts: 1,
      withinMs: 5000,
    });
  });
});

describe('resolveStopOptions', () => {
  it('gives running jobs 10 s by default, and keeps a grace it is given', () => {
    expect(defaultStopOptions).toEqual({ graceMs: 10_000 });
    expect(resolveStopOptions(undefined)).toEqual({ graceMs: 10_000 });
    expect(resolveStopOptions({ graceMs: 0 })).toEqual({ graceMs: 0 });
  });

  it('refuses an unknown key, naming the nearest one', () => {
    expect(() => resolveStopOptions({ grace: 5 })).toThrow('did you mean `graceMs`?');
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/errors.js';
import {
  checkFunction,
  checkInteger,
  checkKeys,
  checkNumber,
  checkObject,
  checkString,
} from '../src/options.js';
import { invalidOption } from './helpers.js';

describe('checkInteger', () => {
  it('passes whole numbers within range, ends included', () => {
    expect(checkInteger('n', 1, 1, 3)).toBe(1);
    expect(checkInteger('n', 3, 1, 3)).toBe(3);
    expect(checkInteger('n', Number.MAX_SAFE_INTEGER, 0)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([
    ['below the range', 0],
    ['above the range', 4],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['a numeric string', '2'],
    ['undefined', undefined],
  ])('refuses %s, naming the range', (_, value) => {
    expect(invalidOption(() => checkInteger('n', value, 1, 3))).toMatch(
      /^Expected `n` to be a whole number from 1 to 3, got /,
    );
  });

  it('says "and up" when there is no upper bound', () => {
    expect(invalidOption(() => checkInteger('concurrency', 0, 1))).toBe(
      'Expected `concurrency` to be a whole number from 1 and up, got `0` (number)',
    );
  });
});

describe('checkNumber', () => {
  it('passes finite numbers within range, fractions included', () => {
    expect(checkNumber('x', 0.5, 0, 1)).toBe(0.5);
    expect(checkNumber('x', 0, 0)).toBe(0);
  });

  it.each([
    ['below the range', -0.1],
    ['above the range', 1.1],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['NaN', Number.NaN],
    ['a string', '0.5'],
  ])('refuses %s, naming the range', (_, value) => {
    expect(invalidOption(() => checkNumber('jitter', value, 0, 1))).toMatch(
      /^Expected `jitter` to be a finite number from 0 to 1, got /,
    );
  });

  it('says "and up" when there is no upper bound', () => {
    expect(invalidOption(() => checkNumber('ms', -1, 0))).toBe(
      'Expected `ms` to be a finite number from 0 and up, got `-1` (number)',
    );
  });
});

describe('checkFunction', () => {
  it('passes a function and refuses anything else', () => {
    const fn = (): number => 1;
    expect(checkFunction('run', fn)).toBe(fn);
    expect(invalidOption(() => checkFunction('run', 'run'))).toBe(
      'Expected `run` to be a function, got `run`',
    );
  });
});

describe('checkObject', () => {
  it('passes a plain object as it is, and reads undefined as no options', () => {
    const options = { a: 1 };
    expect(checkObject('options', options)).toBe(options);
    expect(checkObject('options', undefined)).toEqual({});
  });

  it.each([
    ['null', null],
    ['an array', [1]],
    ['a string', 'a'],
    ['a number', 3],
  ])('refuses %s', (_, value) => {
    expect(invalidOption(() => checkObject('options', value))).toMatch(
      /^Expected `options` to be an options object, got /,
    );
  });
});

describe('checkString', () => {
  it('passes a non-empty string up to the length limit', () => {
    expect(checkString('name', 'a')).toBe('a');
    expect(checkString('name', 'abc', 3)).toBe('abc');
  });

  it.each([
    ['an empty string', ''],
    ['a string over the limit', 'abcd'],
    ['a number', 1],
    ['undefined', undefined],
  ])('refuses %s', (_, value) => {
    expect(invalidOption(() => checkString('name', value, 3))).toMatch(
      /^Expected `name` to be a non-empty string of at most 3 characters, got /,
    );
  });

  it('allows 1000 characters by default', () => {
    expect(checkString('name', 'x'.repeat(1000))).toHaveLength(1000);
    expect(() => checkString('name', 'x'.repeat(1001))).toThrow(InvalidOptionError);
  });
});

describe('checkKeys', () => {
  const allowed = ['concurrency', 'database', 'clock'];

  it('passes known keys, and no keys at all', () => {
    expect(() => {
      checkKeys('createWarden', { concurrency: 2, clock: undefined }, allowed);
    }).not.toThrow();
    expect(() => {
      checkKeys('createWarden', {}, allowed);
    }).not.toThrow();
  });

  it('names an unknown key, its value and the nearest valid key', () => {
    expect(invalidOption(() => checkKeys('createWarden', { concurency: 2 }, allowed))).toBe(
      'Expected `createWarden.concurency` to be a known option (did you mean `concurrency`?), got `2` (number)',
    );
  });

  it('lists every valid key when none is close', () => {
    expect(invalidOption(() => checkKeys('createWarden', { zzzzzzzz: true }, allowed))).toBe(
      'Expected `createWarden.zzzzzzzz` to be a known option (`concurrency`, `database`, `clock`), got `true` (boolean)',
    );
  });

  it('counts a short key two edits away as close', () => {
    expect(invalidOption(() => checkKeys('o', { clk: 1 }, allowed))).toContain(
      'did you mean `clock`',
    );
  });

  it('refuses the first unknown key in the order given', () => {
    expect(
      invalidOption(() => checkKeys('o', { clock: 1, databse: 'x', concurency: 2 }, allowed)),
    ).toContain('`o.databse`');
  });
});

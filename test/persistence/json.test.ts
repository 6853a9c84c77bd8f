import { describe, expect, it } from 'vitest';
import { jsonProblem, toJsonText } from '../../src/persistence/json.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('jsonProblem', () => {
  describe('plain data', () => {
    it.each([
      ['a string', 'hello'],
      ['an empty string', ''],
      ['zero', 0],
      ['a negative fraction', -1.5],
      ['the largest number', Number.MAX_VALUE],
      ['true', true],
      ['null', null],
      ['an empty object', {}],
      ['an empty array', []],
      ['nested objects and arrays', { a: [1, 'two', { three: [null, false] }], b: { c: {} } }],
      ['an object without a prototype', Object.assign(Object.create(null) as object, { a: 1 })],
    ])('passes %s', (_, value) => {
      expect(jsonProblem(value)).toBe(undefined);
    });

    it('passes a property that is undefined, which JSON leaves out', () => {
      expect(jsonProblem({ a: 1, b: undefined })).toBe(undefined);
    });

    it('passes the same object twice when it is not its own ancestor', () => {
      const shared = { n: 1 };
      expect(jsonProblem({ left: shared, right: shared, list: [shared, shared] })).toBe(undefined);
    });

    it('passes a symbol key that is not enumerable, which no copy of the object sees', () => {
      const tagged = Object.defineProperty({ shown: 1 }, Symbol('tag'), { value: 'internal' });
      expect(jsonProblem(tagged)).toBe(undefined);
    });
  });

  describe('cycles', () => {
    it('finds an object that contains itself', () => {
      const loop: Record<string, unknown> = { name: 'loop' };
      loop['self'] = loop;
      expect(jsonProblem(loop)).toBe('$.self refers back to itself (a cycle)');
    });

    it('finds a cycle through an array, naming the path down to it', () => {
      const root: { items: unknown[] } = { items: [] };
      root.items.push({ parent: root });
      expect(jsonProblem(root)).toBe('$.items[0].parent refers back to itself (a cycle)');
    });

    it('finds an array that contains itself', () => {
      const list: unknown[] = [1];
      list.push(list);
      expect(jsonProblem(list)).toBe('$[1] refers back to itself (a cycle)');
    });
  });

  describe('values JSON cannot hold', () => {
    it.each([
      ['a BigInt', { n: 10n }, '$.n is a BigInt (10n), which JSON cannot hold'],
      ['a function', { f: () => 1 }, '$.f is a function'],
      ['a symbol', { s: Symbol('s') }, '$.s is a symbol'],
      ['NaN', { x: Number.NaN }, '$.x is NaN, which JSON cannot hold'],
      ['Infinity', { x: Number.POSITIVE_INFINITY }, '$.x is Infinity, which JSON cannot hold'],
      ['-Infinity', { x: Number.NEGATIVE_INFINITY }, '$.x is -Infinity, which JSON cannot hold'],
      ['a class instance', { at: new Point(1, 2) }, '$.at is a Point, not plain data'],
      ['a Map', { m: new Map() }, '$.m is a Map, not plain data'],
      ['a Set', { s: new Set([1]) }, '$.s is a Set, not plain data'],
      ['a RegExp', { r: /x/ }, '$.r is a RegExp, not plain data'],
      ['a boxed number', { n: Object(1) as unknown }, '$.n is a Number, not plain data'],
      ['undefined in an array', { list: [1, undefined] }, '$.list[1] is undefined'],
      // Issue 9 §5.4: JSON.stringify turned these into something else without a word.
      [
        'a Date',
        { at: new Date(0) },
        '$.at is a Date, not plain data (store its toISOString() or getTime())',
      ],
      [
        'a symbol key',
        { meta: { [Symbol('trace')]: 'abc', shown: 1 } },
        '$.meta has the symbol key Symbol(trace), which JSON would drop',
      ],
      [
        'a symbol key on an array',
        { list: Object.assign([1], { [Symbol('extra')]: 2 }) },
        '$.list has the symbol key Symbol(extra), which JSON would drop',
      ],
    ])('refuses %s', (_, value, problem) => {
      expect(jsonProblem(value)).toBe(problem);
    });

    it.each([
      ['undefined', undefined, '$ is undefined'],
      ['a BigInt', 1n, '$ is a BigInt (1n), which JSON cannot hold'],
      ['a function', () => undefined, '$ is a function'],
      ['a symbol', Symbol.iterator, '$ is a symbol'],
      ['NaN', Number.NaN, '$ is NaN, which JSON cannot hold'],
      ['a class instance', new Point(0, 0), '$ is a Point, not plain data'],
      ['a Date', new Date(0), '$ is a Date, not plain data (store its toISOString() or getTime())'],
    ])('refuses %s at the top level', (_, value, problem) => {
      expect(jsonProblem(value)).toBe(problem);
    });

    it('names an instance of an anonymous class as a non-plain object', () => {
      const Anonymous = (() => class {})();
      expect(jsonProblem({ a: new Anonymous() })).toBe('$.a is a non-plain object, not plain data');
    });
  });

  describe('paths', () => {
    it('names the nested path of the first problem', () => {
      expect(jsonProblem({ a: { b: [{ ok: 1 }, { c: 5n }] } })).toBe(
        '$.a.b[1].c is a BigInt (5n), which JSON cannot hold',
      );
    });

    it('quotes keys that are not identifiers', () => {
      expect(jsonProblem({ 'my key': { '0': Number.NaN } })).toBe(
        '$["my key"]["0"] is NaN, which JSON cannot hold',
      );
    });

    it('starts from the path it is given', () => {
      expect(jsonProblem({ when: () => 0 }, 'payload')).toBe('payload.when is a function');
    });

    it('reports the first problem in property order', () => {
      expect(jsonProblem({ first: Number.NaN, second: 1n })).toBe(
        '$.first is NaN, which JSON cannot hold',
      );
    });
  });

  describe("with lossy 'allow', for records read by a person", () => {
    it('passes a Date and symbol keys, which JSON.stringify converts or leaves out', () => {
      expect(jsonProblem({ at: new Date(0), [Symbol('s')]: 1 }, '$', 'allow')).toBe(undefined);
    });

    it('still refuses what JSON.stringify cannot write', () => {
      expect(jsonProblem({ n: 1n }, '$', 'allow')).toBe(
        '$.n is a BigInt (1n), which JSON cannot hold',
      );
    });
  });
});

describe('toJsonText', () => {
  it('serialises plain data', () => {
    expect(toJsonText({ a: [1, 'b', null], c: undefined }, 'payload')).toEqual({
      text: '{"a":[1,"b",null]}',
    });
  });

  it('returns the problem instead of text', () => {
    expect(toJsonText({ big: 2n }, 'result')).toEqual({
      problem: 'result.big is a BigInt (2n), which JSON cannot hold',
    });
  });
});

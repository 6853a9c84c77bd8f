import { describe, expect, it } from 'vitest';
import { findCycles, relativeImports, type ImportGraph } from './importGraph.js';

const graph = (edges: Record<string, readonly string[]>): ImportGraph =>
  new Map(Object.entries(edges));

describe('relativeImports', () => {
  it('reads static, type-only, re-exported and dynamic imports, and no package', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      'import {',
      '  c,',
      '  type C,',
      "} from './c.js';",
      "export { d } from './d.js';",
      "export type * from './e.js';",
      "import './f.js';",
      "const g = await import('./g.js');",
      "import { h } from 'xstate';",
      "import { i } from 'node:fs';",
    ].join('\n');
    expect(relativeImports(source)).toEqual([
      './a.js',
      '../b.js',
      './c.js',
      './d.js',
      './e.js',
      './f.js',
      './g.js',
    ]);
  });

  it('does not mistake comments or strings for imports', () => {
    const source = [
      "// import { a } from './a.js';",
      "/* export { b } from './b.js'; */",
      'const text = "import { c } from \'./c.js\'";',
    ].join('\n');
    expect(relativeImports(source)).toEqual([]);
  });
});

describe('findCycles', () => {
  it('finds none in a chain or a diamond', () => {
    expect(findCycles(graph({ a: ['b'], b: ['c'], c: [] }))).toEqual([]);
    expect(findCycles(graph({ a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }))).toEqual([]);
  });

  it('finds two files that import each other', () => {
    expect(findCycles(graph({ a: ['b'], b: ['a'] }))).toEqual([['a', 'b', 'a']]);
  });

  it('finds a file that imports itself', () => {
    expect(findCycles(graph({ a: ['a'], b: [] }))).toEqual([['a', 'a']]);
  });

  it('finds a long cycle behind an acyclic entry, as a path from its first file', () => {
    const cycles = findCycles(
      graph({ entry: ['m'], m: ['n'], n: ['o'], o: ['p'], p: ['m', 'leaf'], leaf: [] }),
    );
    expect(cycles).toEqual([['m', 'n', 'o', 'p', 'm']]);
  });

  it('finds each separate cycle once', () => {
    const cycles = findCycles(graph({ a: ['b'], b: ['a', 'c'], c: ['d'], d: ['c'] }));
    expect(cycles.map((cycle) => cycle.join(' → ')).sort()).toEqual(['a → b → a', 'c → d → c']);
  });

  it('ignores imports of files outside the graph', () => {
    expect(findCycles(graph({ a: ['outside'], b: ['a'] }))).toEqual([]);
  });

  it('walks a deep chain without overflowing the stack', () => {
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < 50_000; i++) edges[`f${i}`] = [`f${i + 1}`];
    edges['f50000'] = ['f0'];
    const cycles = findCycles(graph(edges));
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(50_002);
  });
});

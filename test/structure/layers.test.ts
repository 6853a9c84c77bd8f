import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph } from './importGraph.js';

// DESIGN.md: dependencies point one way, supervisor/ → actors/ → machines/ and policies/.
const root = fileURLToPath(new URL('../..', import.meta.url));
const graph = importGraph(root, 'src');

/** Every import of a file under `from` that reaches a file under one of `forbidden`. */
function crossings(from: string, forbidden: readonly string[]): string[] {
  const found: string[] = [];
  for (const [file, targets] of graph) {
    if (!file.startsWith(`${from}/`)) continue;
    for (const target of targets) {
      if (forbidden.some((dir) => target.startsWith(`${dir}/`))) found.push(`${file} → ${target}`);
    }
  }
  return found;
}

describe('the layers of src/', () => {
  it('reads the whole of src/', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('src/index.ts')).toContain('src/errors.ts');
  });

  it('keeps actors/ from importing supervisor/', () => {
    expect(crossings('src/actors', ['src/supervisor'])).toEqual([]);
  });

  it('keeps machines/ and policies/ below actors/ and supervisor/', () => {
    expect(crossings('src/machines', ['src/actors', 'src/supervisor'])).toEqual([]);
    expect(crossings('src/policies', ['src/actors', 'src/supervisor', 'src/machines'])).toEqual([]);
  });

  it('keeps machines/ pure: they import only one another', () => {
    const outside = [...graph]
      .filter(([file]) => file.startsWith('src/machines/'))
      .flatMap(([file, targets]) =>
        targets
          .filter((target) => !target.startsWith('src/machines/'))
          .map((t) => `${file} → ${t}`),
      );
    expect(outside).toEqual([]);
  });

  it('keeps charts/ on the machines, errors and options alone, and the core off charts/', () => {
    const allowed = ['src/charts/', 'src/machines/', 'src/errors', 'src/options.ts'];
    const outside = [...graph]
      .filter(([file]) => file.startsWith('src/charts/'))
      .flatMap(([file, targets]) =>
        targets
          .filter((target) => !allowed.some((prefix) => target.startsWith(prefix)))
          .map((t) => `${file} → ${t}`),
      );
    expect(outside).toEqual([]);
    const core = ['src/supervisor', 'src/actors', 'src/machines', 'src/persistence', 'src/events'];
    expect(core.flatMap((dir) => crossings(dir, ['src/charts']))).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(findCycles(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Each file of a graph, by its path, with the files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/**
 * The relative module specifiers a TypeScript source names: static imports (type-only too),
 * re-exports, `import()` and `import x = require()`; comments and strings are not mistaken for them.
 */
export function relativeImports(source: string): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles.map((file) => file.fileName).filter((name) => name.startsWith('.'));
}

/** Every `.ts` file under `dir`, as paths relative to `root`, in a stable order. */
function tsFiles(root: string, dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...tsFiles(root, path));
    else if (entry.name.endsWith('.ts')) files.push(path);
  }
  return files.sort();
}

/** The relative imports of every `.ts` file under `dir` (paths relative to `root`, `.js` read as `.ts`). */
export function importGraph(root: string, dir: string): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(root, dir)) {
    const targets = relativeImports(readFileSync(join(root, file), 'utf8')).map((specifier) =>
      relative(root, resolve(root, dirname(file), specifier.replace(/\.js$/, '.ts'))),
    );
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * The import cycles of a graph: one per strongly connected component of more than one file (or a
 * file importing itself), each given as a path that starts and ends at the same file.
 */
export function findCycles(graph: ImportGraph): string[][] {
  // Tarjan's algorithm, iterative so a deep graph cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const edges = (node: string): readonly string[] =>
    (graph.get(node) ?? []).filter((target) => graph.has(target));
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = edges(frame.node);
      if (frame.edge < targets.length) {
        const target = targets[frame.edge++]!;
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, edge: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) {
        low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      if (component.length > 1 || edges(frame.node).includes(frame.node)) {
        components.push(component);
      }
    }
  }
  return components.map((component) => cycleThrough(graph, component));
}

/** A shortest path from the component's first file (by name) back to itself, inside the component. */
function cycleThrough(graph: ImportGraph, component: readonly string[]): string[] {
  const members = new Set(component);
  const first = [...component].sort()[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [first];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const target of graph.get(node) ?? []) {
      if (!members.has(target)) continue;
      if (target === first) {
        const path = [node];
        while (path[0] !== first) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, first];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, node);
        queue.push(target);
      }
    }
  }
  return [first, first]; // unreachable for a real component
}

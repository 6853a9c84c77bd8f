import { coerceError } from '../errors.js';

/** A problem found below the root: what is wrong, and the path segments that lead to it. */
interface Found {
  readonly what: string;
  readonly segments: string[];
}

const identifier = /^[A-Za-z_$][\w$]*$/;

/**
 * Why a value cannot be stored as JSON, or undefined when it can. The path to the problem is
 * built only once one is found, so checking good data allocates almost nothing. With `lossy`
 * `'allow'`, what `JSON.stringify` changes without failing passes (a Date becomes its ISO string,
 * symbol keys are left out): for records kept only to be read by a person.
 */
export function jsonProblem(
  value: unknown,
  path = '$',
  lossy: 'refuse' | 'allow' = 'refuse',
): string | undefined {
  const strict = lossy === 'refuse';
  const ancestors: object[] = [];
  const found = (what: string): Found => ({ what, segments: [] });
  const symbolKeyFound = (key: symbol): Found =>
    found(`has the symbol key ${String(key)}, which JSON would drop`);
  const visit = (current: unknown): Found | undefined => {
    switch (typeof current) {
      case 'string':
      case 'boolean':
        return undefined;
      case 'number':
        return Number.isFinite(current)
          ? undefined
          : found(`is ${String(current)}, which JSON cannot hold`);
      case 'bigint':
        return found(`is a BigInt (${String(current)}n), which JSON cannot hold`);
      case 'function':
        return found('is a function');
      case 'symbol':
        return found('is a symbol');
      case 'undefined':
        return found('is undefined');
      case 'object':
        break;
    }
    if (current === null) return undefined;
    const object = current;
    if (ancestors.includes(object)) return found('refers back to itself (a cycle)');
    if (Array.isArray(object)) {
      const symbolKey = strict ? enumerableSymbolKey(object) : undefined;
      if (symbolKey !== undefined) return symbolKeyFound(symbolKey);
      ancestors.push(object);
      for (let i = 0; i < object.length; i++) {
        const problem = visit(object[i] as unknown);
        if (problem !== undefined) {
          problem.segments.push(`[${i}]`);
          return problem;
        }
      }
      ancestors.pop();
      return undefined;
    }
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      // JSON.stringify would store a Date as its ISO string and read it back as a string.
      if (object instanceof Date) {
        return strict
          ? found('is a Date, not plain data (store its toISOString() or getTime())')
          : undefined;
      }
      const name = (object.constructor as { name?: unknown } | undefined)?.name;
      return found(
        `is a ${typeof name === 'string' && name !== '' ? name : 'non-plain object'}, not plain data`,
      );
    }
    const symbolKey = strict ? enumerableSymbolKey(object) : undefined;
    if (symbolKey !== undefined) return symbolKeyFound(symbolKey);
    ancestors.push(object);
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      const child = (object as Record<string, unknown>)[key];
      if (child === undefined) continue;
      const problem = visit(child);
      if (problem !== undefined) {
        problem.segments.push(identifier.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
        return problem;
      }
    }
    ancestors.pop();
    return undefined;
  };
  let problem: Found | undefined;
  try {
    problem = visit(value);
  } catch (error) {
    return unreadable(path, error);
  }
  if (problem === undefined) return undefined;
  return `${path}${problem.segments.reverse().join('')} ${problem.what}`;
}

/** The first enumerable own symbol key of an object, which `JSON.stringify` leaves out. */
function enumerableSymbolKey(object: object): symbol | undefined {
  for (const key of Object.getOwnPropertySymbols(object)) {
    if (Object.prototype.propertyIsEnumerable.call(object, key)) return key;
  }
  return undefined;
}

/** The problem with a value that could not even be walked: too deep, or a getter that throws. */
function unreadable(path: string, error: unknown): string {
  if (error instanceof RangeError) return `${path} is nested too deeply to store`;
  return `${path} cannot be read: ${coerceError(error).message}`;
}

const nullJson = { text: 'null' } as const;

/** Serialises plain data to JSON text, or returns the reason it cannot be stored. */
export function toJsonText(value: unknown, path: string): { text: string } | { problem: string } {
  if (value === null) return nullJson;
  if (typeof value === 'string' || typeof value === 'boolean')
    return { text: JSON.stringify(value) };
  const problem = jsonProblem(value, path);
  if (problem !== undefined) return { problem };
  try {
    return { text: JSON.stringify(value) };
  } catch (error) {
    return { problem: unreadable(path, error) }; // a getter that throws only on its second read
  }
}

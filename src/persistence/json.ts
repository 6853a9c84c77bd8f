/** Why a value cannot be stored as JSON, or undefined when it can. */
export function jsonProblem(value: unknown, path = '$'): string | undefined {
  const ancestors: object[] = [];
  const visit = (current: unknown, at: string): string | undefined => {
    switch (typeof current) {
      case 'string':
      case 'boolean':
        return undefined;
      case 'number':
        return Number.isFinite(current)
          ? undefined
          : `${at} is ${String(current)}, which JSON cannot hold`;
      case 'bigint':
        return `${at} is a BigInt (${String(current)}n), which JSON cannot hold`;
      case 'function':
        return `${at} is a function`;
      case 'symbol':
        return `${at} is a symbol`;
      case 'undefined':
        return `${at} is undefined`;
      case 'object':
        break;
    }
    if (current === null) return undefined;
    const object = current;
    if (ancestors.includes(object)) return `${at} refers back to itself (a cycle)`;
    if (Array.isArray(object)) {
      ancestors.push(object);
      for (let i = 0; i < object.length; i++) {
        const problem = visit(object[i] as unknown, `${at}[${i}]`);
        if (problem !== undefined) return problem;
      }
      ancestors.pop();
      return undefined;
    }
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      if (object instanceof Date) return undefined;
      const name = (object.constructor as { name?: unknown } | undefined)?.name;
      return `${at} is a ${typeof name === 'string' && name !== '' ? name : 'non-plain object'}, not plain data`;
    }
    ancestors.push(object);
    for (const [key, child] of Object.entries(object)) {
      if (child === undefined) continue;
      const problem = visit(
        child,
        /^[A-Za-z_$][\w$]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`,
      );
      if (problem !== undefined) return problem;
    }
    ancestors.pop();
    return undefined;
  };
  return visit(value, path);
}

const nullJson = { text: 'null' } as const;

/** Serialises plain data to JSON text, or returns the reason it cannot be stored. */
export function toJsonText(value: unknown, path: string): { text: string } | { problem: string } {
  if (value === null) return nullJson;
  if (typeof value === 'string' || typeof value === 'boolean')
    return { text: JSON.stringify(value) };
  const problem = jsonProblem(value, path);
  if (problem !== undefined) return { problem };
  return { text: JSON.stringify(value) };
}

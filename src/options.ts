import { InvalidOptionError } from './errors.js';

/** Checks an integer option: whole, within `[min, max]`. */
export function checkInteger(
  name: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `from ${min} and up` : `from ${min} to ${max}`;
    throw new InvalidOptionError(name, `a whole number ${range}`, value);
  }
  return value;
}

/** Checks a finite number option within `[min, max]`. */
export function checkNumber(
  name: string,
  value: unknown,
  min: number,
  max = Number.POSITIVE_INFINITY,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `from ${min} and up` : `from ${min} to ${max}`;
    throw new InvalidOptionError(name, `a finite number ${range}`, value);
  }
  return value;
}

/** Checks a function option; the caller states the signature it documents. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- F is the documented signature
export function checkFunction<F>(name: string, value: unknown): F {
  if (typeof value !== 'function') throw new InvalidOptionError(name, 'a function', value);
  return value as F;
}

/** Checks an options object: a plain object, or undefined for all defaults. */
export function checkObject(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(name, 'an options object', value);
  }
  return value as Record<string, unknown>;
}

/** Checks a non-empty string option. */
export function checkString(name: string, value: unknown, maxLength = 1000): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new InvalidOptionError(
      name,
      `a non-empty string of at most ${maxLength} characters`,
      value,
    );
  }
  return value;
}

/** Edit distance between two short strings, for suggesting the option a typo meant. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Refuses keys of `options` that are not in `allowed`, naming the nearest valid one. */
export function checkKeys(
  name: string,
  options: Record<string, unknown>,
  allowed: readonly string[],
): void {
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    let nearest = allowed[0] ?? '';
    for (const candidate of allowed) {
      if (distance(key, candidate) < distance(key, nearest)) nearest = candidate;
    }
    const close = distance(key, nearest) <= Math.max(2, nearest.length / 3);
    throw new InvalidOptionError(
      `${name}.${key}`,
      close
        ? `a known option (did you mean \`${nearest}\`?)`
        : `a known option (${allowed.map((k) => `\`${k}\``).join(', ')})`,
      options[key],
    );
  }
}

/**
 * Checks an options object of type `T`: a plain object (or undefined, for every default) whose
 * keys are all `keys`, an unknown one refused with the nearest valid key. `name` names it in
 * refusals and `path` prefixes its keys (`path.key`). Its values are returned unchecked (typed
 * `unknown`), for the caller to check one by one.
 */
export function checkOptions<T extends object>(
  name: string,
  value: unknown,
  keys: readonly (keyof T & string)[],
  path = name,
): { readonly [K in keyof T]?: unknown } {
  const options = checkObject(name, value);
  checkKeys(path, options, keys);
  return options;
}

/** The keys of an options type, listed once; the compiler checks that none is missing or extra. */
export function keysOf<T extends object>(keys: {
  readonly [K in keyof Required<T>]: true;
}): (keyof T & string)[] {
  return Object.keys(keys) as (keyof T & string)[];
}

/** A complete defaults object of options `T`: every key, with its default or `null` for none. */
export type Defaults<T> = { readonly [K in keyof T]-?: Exclude<T[K], undefined> | null };

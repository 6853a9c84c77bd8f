import * as errors from '../../errors.js';
import { WardenError, type WardenErrorCode } from '../../errors.js';

/** An error as it crosses from the writer thread: its class by name, and its own fields. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: string | undefined;
  readonly fields: Record<string, unknown>;
}

/** Warden's error classes by name. */
const classes = new Map<string, typeof WardenError>();
for (const value of Object.values(errors)) {
  if (typeof value === 'function' && value.prototype instanceof WardenError) {
    classes.set(value.name, value as typeof WardenError);
  }
}
classes.set('WardenError', WardenError);

/** What of `error` can be sent to another thread (its own enumerable fields, if cloneable). */
export function toWire(error: unknown): WireError {
  const e = error instanceof Error ? error : new Error(String(error));
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(e)) {
    if (key === 'code' || key === 'name' || key === 'message' || key === 'stack') continue;
    try {
      structuredClone(value);
      fields[key] = value;
    } catch {
      fields[key] = String(value);
    }
  }
  const code = (e as { code?: unknown }).code;
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    code: typeof code === 'string' ? code : undefined,
    fields,
  };
}

/** The error again, of its own Warden class when it was one. */
export function fromWire(wire: WireError): Error {
  const cls = classes.get(wire.name);
  let error: Error;
  if (cls !== undefined && wire.code !== undefined) {
    // The base constructor brands it; the subclass's prototype gives it its class.
    error = Reflect.construct(WardenError, [wire.code as WardenErrorCode, wire.message], cls);
  } else {
    error = new Error(wire.message);
    error.name = wire.name;
    if (wire.code !== undefined) Object.assign(error, { code: wire.code });
  }
  Object.assign(error, wire.fields);
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

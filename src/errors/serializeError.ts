import { quote } from './wardenError.js';

/** The JSON shape in which errors are stored and reported. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

/**
 * Turns anything thrown into an Error whose `name`, `message`, `stack` and `code` can be read: an
 * error with a getter that throws (or a Proxy whose traps throw) is replaced by a plain one.
 */
export function coerceError(thrown: unknown): Error {
  let isError: boolean;
  try {
    isError = thrown instanceof Error;
  } catch {
    isError = false; // a Proxy whose getPrototypeOf trap throws
  }
  if (isError) {
    const error = thrown as Error;
    return fieldsReadable(error)
      ? error
      : new Error('an error was thrown whose name, message, stack or code cannot be read');
  }
  if (typeof thrown === 'string') return new Error(thrown);
  return new Error(`non-error thrown: ${quote(thrown)}`);
}

/** Reads an error's fields once; false when reading one of them throws. */
function fieldsReadable(error: Error): boolean {
  try {
    const fields = [error.name, error.message, error.stack, (error as { code?: unknown }).code];
    return fields.length > 0;
  } catch {
    return false;
  }
}

/** The storable form of an error: name, message, code and stack. */
export function serializeError(thrown: unknown): SerializedError {
  const error = coerceError(thrown);
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
  };
}

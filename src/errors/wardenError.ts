import type { WardenErrorCode } from './errorCode.js';

const brand = Symbol.for('warden.error');

/** Quotes a value for an error message: strings in quotes, everything else with its type. */
export function quote(value: unknown): string {
  try {
    return quoteValue(value);
  } catch {
    return 'an unreadable value'; // a Proxy whose traps throw, say
  }
}

function quoteValue(value: unknown): string {
  if (typeof value === 'string') return `\`${value}\``;
  if (typeof value === 'bigint') return `\`${String(value)}n\` (bigint)`;
  if (typeof value === 'function') return `a function`;
  if (typeof value === 'symbol') return `\`${String(value)}\` (symbol)`;
  if (typeof value === 'number') return `\`${String(value)}\` (number)`;
  if (value === null) return '`null`';
  if (value === undefined) return '`undefined`';
  let text: string;
  try {
    text = JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  if (text.length > 120) text = `${text.slice(0, 117)}...`;
  return `\`${text}\` (${Array.isArray(value) ? 'array' : typeof value})`;
}

/** Base class of every error Warden throws; `code` is stable across versions. */
export class WardenError extends Error {
  /** A stable, machine-readable code such as `INVALID_TRANSITION`. */
  readonly code: WardenErrorCode;

  constructor(code: WardenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, brand, { value: true });
  }

  /** True for any Warden error, even one thrown by another copy of the package. */
  static is(value: unknown): value is WardenError {
    try {
      return typeof value === 'object' && value !== null && brand in value;
    } catch {
      return false; // a Proxy whose `has` trap throws
    }
  }
}

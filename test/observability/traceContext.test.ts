import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, WardenError } from '../../src/errors.js';
import {
  childSpan,
  formatTraceparent,
  newTrace,
  parseTraceContext,
  parseTraceparent,
  parseTracestate,
  readTraceContext,
} from '../../src/observability/traceContext.js';

const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** The error a call throws. */
function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseTraceparent', () => {
  it('reads the trace id, the span id and the flags of a version-00 header', () => {
    expect(parseTraceparent(valid)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      flags: 1,
    });
    expect(parseTraceparent(valid.replace(/01$/, '00')).flags).toBe(0);
  });

  it('reads a later version by its first four fields, and writes it back as version 00', () => {
    const later = `cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds`;
    expect(formatTraceparent(parseTraceparent(later))).toBe(valid);
  });

  it.each([
    ['an empty string', ''],
    ['upper-case hex', valid.toUpperCase()],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', valid.replace(/^00/, 'ff')],
    ['a version-00 header with a fifth field', `${valid}-extra`],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['a long span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b71-01'],
    ['a missing flags field', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7'],
    ['non-hex flags', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g'],
    ['spaces around it', ` ${valid}`],
    [
      'a later version without its dash',
      `cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x`,
    ],
    ['a number', 42],
    ['null', null],
  ])('refuses %s with InvalidOptionError quoting it', (_name, value) => {
    const error = thrown(() => parseTraceparent(value));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(WardenError.is(error) && error.code).toBe('INVALID_OPTION');
    expect((error as InvalidOptionError).option).toBe('traceparent');
    expect((error as InvalidOptionError).value).toBe(value);
    expect((error as Error).message).toMatch(/^Expected `traceparent` to be a W3C traceparent/);
    if (typeof value === 'string') expect((error as Error).message).toContain(`\`${value}\``);
  });

  it('round-trips any valid context through its header', () => {
    const hex = (length: number) =>
      fc
        .string({
          unit: fc.constantFrom(...'0123456789abcdef'.split('')),
          minLength: length,
          maxLength: length,
        })
        .filter((s) => !/^0+$/.test(s));
    fc.assert(
      fc.property(hex(32), hex(16), fc.integer({ min: 0, max: 255 }), (traceId, spanId, flags) => {
        const header = formatTraceparent({ traceId, spanId, flags });
        expect(parseTraceparent(header)).toEqual({ traceId, spanId, flags });
      }),
    );
  });
});

describe('parseTracestate', () => {
  it('trims members and drops empty ones', () => {
    expect(parseTracestate(' rojo=00f067aa0ba902b7 ,, congo=t61rcWkgMzE,\t')).toBe(
      'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
    );
    expect(parseTracestate('tenant@vendor=x')).toBe('tenant@vendor=x');
    expect(parseTracestate(' , ')).toBeNull();
  });

  it.each([
    ['a member without =', 'rojo'],
    ['an upper-case key', 'Rojo=1'],
    ['a value with a comma-free = inside', 'rojo=a=b'],
    ['a duplicate key', 'rojo=1,rojo=2'],
    ['33 members', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')],
    ['a number', 7],
  ])('refuses %s with InvalidOptionError quoting it', (_name, value) => {
    const error = thrown(() => parseTracestate(value));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('tracestate');
    expect((error as InvalidOptionError).value).toBe(value);
  });
});

describe('trace contexts', () => {
  it('parses a header and its tracestate together, all valid or a refusal', () => {
    expect(parseTraceContext(valid, 'rojo=1')).toEqual({
      ...parseTraceparent(valid),
      traceState: 'rojo=1',
    });
    expect(() => parseTraceContext(valid, 'Bad')).toThrow(/`tracestate`/);
    expect(() => parseTraceContext('00-bad', 'rojo=1', 'items[2].')).toThrow(
      /`items\[2\]\.traceparent`/,
    );
  });

  it('reads a stored context back, dropping a damaged tracestate and ignoring a damaged header', () => {
    expect(readTraceContext(valid, 'rojo=1')?.traceState).toBe('rojo=1');
    expect(readTraceContext(valid, 'Bad')).toEqual({
      ...parseTraceparent(valid),
      traceState: null,
    });
    expect(readTraceContext('garbage', null)).toBeUndefined();
    expect(readTraceContext(null, null)).toBeUndefined();
  });

  it('starts new traces with fresh ids, and children in the same trace with a new span', () => {
    const a = newTrace();
    const b = newTrace();
    expect(formatTraceparent(a)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(a.traceId).not.toBe(b.traceId);
    const child = childSpan({ ...a, traceState: 'rojo=1' });
    expect(child).toMatchObject({ traceId: a.traceId, flags: 1, traceState: 'rojo=1' });
    expect(child.spanId).not.toBe(a.spanId);
    expect(() => parseTraceparent(formatTraceparent(child))).not.toThrow();
  });
});

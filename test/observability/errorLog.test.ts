import { describe, expect, it } from 'vitest';
import { createManualClock, InvalidOptionError } from '../../src/index.js';
import {
  ErrorLog,
  resolveErrorRetention,
  trimChunkRows,
  trimEveryMs,
  type ErrorEventStore,
} from '../../src/observability/errorLog.js';
import { currentTrace, runInTrace } from '../../src/observability/traceStorage.js';
import type { NewErrorEvent } from '../../src/persistence/sqlite/errorEvents.js';
import { invalidOption, t0 } from '../helpers.js';
import { openStore } from '../persistence/storeFixtures.js';
import { capture } from './captureLogger.js';

const day = 24 * 3_600_000;

function log(store: ErrorEventStore, retention = { maxAgeMs: day, maxRows: 1000 }) {
  const clock = createManualClock(t0);
  const { logger, lines } = capture();
  const errorLog = new ErrorLog({
    store,
    clock,
    logger,
    retention,
    trace: () => undefined,
  });
  return { errorLog, clock, lines };
}

describe('ErrorLog', () => {
  it('records nothing before it starts, then writes a tick’s failures in one go', async () => {
    const store = openStore();
    const { errorLog } = log(store);
    errorLog.record({ source: 'pool', subject: 'db', kind: 'create', error: new Error('early') });
    errorLog.start();
    errorLog.record({ source: 'pool', subject: 'db', kind: 'create', error: new Error('refused') });
    errorLog.record({ source: 'pool', subject: 'db', kind: 'validate', error: null });
    errorLog.record({
      source: 'job',
      subject: '9',
      kind: 'FAIL',
      error: 'a string thrown',
      jobType: 'email',
      attempt: 3,
    });
    await errorLog.flush();
    const events = await store.errorEvents();
    expect(events.map((e) => [e.kind, e.error?.message ?? null])).toEqual([
      ['FAIL', 'a string thrown'],
      ['validate', null],
      ['create', 'refused'],
    ]);
    expect(events[0]).toMatchObject({ at: t0, jobType: 'email', attempt: 3, traceId: null });
    await errorLog.stop();
  });

  it('stamps each failure with the trace it happened in', async () => {
    const store = openStore();
    const clock = createManualClock(t0);
    const { logger } = capture();
    let calls = 0;
    const errorLog = new ErrorLog({
      store,
      clock,
      logger,
      retention: { maxAgeMs: day, maxRows: 1000 },
      trace: () => {
        calls += 1;
        if (calls === 2) throw new Error('a broken trace provider');
        return { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16) };
      },
    });
    errorLog.start();
    errorLog.record({ source: 'command', subject: '1', kind: 'failed', error: new Error('x') });
    errorLog.record({ source: 'command', subject: '2', kind: 'failed', error: new Error('y') });
    await errorLog.stop();
    const [second, first] = await store.errorEvents();
    expect(first).toMatchObject({ traceId: 'c'.repeat(32), spanId: 'd'.repeat(16) });
    expect(second).toMatchObject({ traceId: null, spanId: null });
  });

  it('takes the trace id from the active Warden trace when given `currentTrace`', async () => {
    const store = openStore();
    const { logger } = capture();
    const errorLog = new ErrorLog({
      store,
      clock: createManualClock(t0),
      logger,
      retention: { maxAgeMs: day, maxRows: 1000 },
      trace: currentTrace,
    });
    errorLog.start();
    const trace = { traceId: 'e'.repeat(32), spanId: 'f'.repeat(16), flags: 1, traceState: null };
    runInTrace(trace, () => {
      errorLog.record({ source: 'pool', subject: 'p', kind: 'create', error: new Error('z') });
    });
    await errorLog.stop();
    expect((await store.errorEvents())[0]?.traceId).toBe('e'.repeat(32));
  });

  it('trims by age and by count at start, then at a failure once the last trim is a minute old', async () => {
    const store = openStore();
    const old: NewErrorEvent[] = Array.from({ length: 3 }, (_, i) => ({
      at: t0 - 2 * day + i,
      source: 'pool',
      subject: 'p',
      kind: 'create',
      error: null,
    }));
    await store.recordErrors(old);
    const { errorLog, clock, lines } = log(store, { maxAgeMs: day, maxRows: 2 });
    errorLog.start();
    await errorLog.trimNow();
    expect(await store.errorEvents()).toEqual([]);
    expect(lines.some((l) => l['msg'] === 'trimmed error events' && l['deleted'] === 3)).toBe(true);
    expect(clock.pending()).toBe(0); // no timer of its own

    const fresh: NewErrorEvent[] = Array.from({ length: 5 }, (_, i) => ({
      at: t0 + i,
      source: 'pool',
      subject: 'p',
      kind: 'create',
      error: null,
    }));
    await store.recordErrors(fresh);
    await clock.advance(trimEveryMs - 1);
    await errorLog.noteFailure(); // too soon after the last trim
    expect(await store.errorEvents()).toHaveLength(5);
    await clock.advance(1);
    await errorLog.noteFailure();
    expect((await store.errorEvents()).map((e) => e.at)).toEqual([t0 + 4, t0 + 3]);
    await errorLog.stop();
    const before = await store.errorEvents();
    await clock.advance(trimEveryMs);
    await errorLog.noteFailure(); // stopped: no trim
    expect(await store.errorEvents()).toEqual(before);
  });

  it('trims when it records a failure a minute after the last trim', async () => {
    const store = openStore();
    const { errorLog, clock } = log(store, { maxAgeMs: 60_000, maxRows: 100 });
    errorLog.start();
    await errorLog.trimNow();
    errorLog.record({ source: 'pool', subject: 'p', kind: 'create', error: null });
    await errorLog.flush();
    await clock.advance(2 * trimEveryMs);
    errorLog.record({ source: 'pool', subject: 'p', kind: 'create', error: null });
    await errorLog.stop();
    expect((await store.errorEvents()).map((e) => e.at)).toEqual([t0 + 2 * trimEveryMs]);
  });

  it('deletes in chunks of at most trimChunkRows', async () => {
    const store = openStore();
    const many: NewErrorEvent[] = Array.from({ length: trimChunkRows + 20 }, (_, i) => ({
      at: t0 - 2 * day + i,
      source: 'job',
      subject: String(i),
      kind: 'FAIL',
      error: null,
    }));
    await store.recordErrors(many);
    expect(await store.trimErrors(t0 - day, 100_000, trimChunkRows)).toBe(trimChunkRows + 20);
  });

  it('logs a store that refuses its writes or its trims, and keeps going', async () => {
    const refusing: ErrorEventStore = {
      recordErrors: () => Promise.reject(new Error('disk full')),
      trimErrors: () => Promise.reject(new Error('locked')),
    };
    const { errorLog, lines } = log(refusing);
    errorLog.start();
    errorLog.record({ source: 'store', subject: 'f', kind: 'commit', error: new Error('e') });
    await errorLog.stop();
    expect(lines.map((l) => l['msg'])).toEqual(
      expect.arrayContaining([
        'error events could not be recorded',
        'error events could not be trimmed',
      ]),
    );
    errorLog.record({ source: 'store', subject: 'f', kind: 'commit', error: new Error('late') });
    await errorLog.flush(); // stopped: nothing was buffered
  });

  it('starts once, and a second trim while one runs is the same trim', async () => {
    const store = openStore();
    const { errorLog } = log(store);
    errorLog.start();
    errorLog.start();
    const a = errorLog.trimNow();
    expect(errorLog.trimNow()).toBe(a);
    await errorLog.stop();
  });
});

describe('resolveErrorRetention', () => {
  it('fills in the defaults and keeps what is given', () => {
    expect(resolveErrorRetention(undefined)).toEqual({ maxAgeMs: 7 * day, maxRows: 100_000 });
    expect(resolveErrorRetention({ maxRows: 500 })).toEqual({ maxAgeMs: 7 * day, maxRows: 500 });
  });

  it('refuses unknown keys and values out of bounds, quoting them', () => {
    expect(invalidOption(() => resolveErrorRetention({ maxAge: 1 }))).toContain('maxAge');
    expect(invalidOption(() => resolveErrorRetention({ maxAgeMs: 59_999 }))).toContain('59999');
    expect(invalidOption(() => resolveErrorRetention({ maxRows: 99 }))).toContain('99');
    expect(invalidOption(() => resolveErrorRetention('7d'))).toContain('7d');
    expect(() => resolveErrorRetention({ maxRows: 1.5 })).toThrow(InvalidOptionError);
  });
});

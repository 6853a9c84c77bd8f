import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../../src/errors.js';
import {
  countErrorEvents,
  errorEventsQuery,
  insertErrorEventStatements,
  listErrorEvents,
  resolveErrorEventFilter,
  sparseSourceRows,
  trimByAgeStatement,
  trimOldestStatement,
  type NewErrorEvent,
} from '../../../src/persistence/sqlite/errorEvents.js';
import type { SqlStatement } from '../../../src/persistence/sqlite/batchWriter.js';
import { migrated } from './jobTable.js';

type Db = ReturnType<typeof migrated>;

function apply(db: Db, statements: readonly SqlStatement[]): number[] {
  return db.transaction(() =>
    statements.map((s) => db.prepare(s.sql).run(...(s.params as unknown[])).changes),
  )();
}

function event(at: number, overrides: Partial<NewErrorEvent> = {}): NewErrorEvent {
  return {
    at,
    source: 'pool',
    subject: 'browsers',
    kind: 'create',
    error: { name: 'Error', message: `failed at ${at}` },
    ...overrides,
  };
}

function seeded(): Db {
  const db = migrated();
  apply(
    db,
    insertErrorEventStatements([
      event(1000),
      event(2000, { source: 'job', subject: '7', kind: 'FAIL', jobType: 'email', attempt: 2 }),
      event(3000, { source: 'job', subject: '8', kind: 'TIMEOUT', jobType: 'sms', attempt: 1 }),
      event(4000, {
        source: 'store',
        subject: 'jobs.db',
        kind: 'commit',
        traceId: 'a'.repeat(32),
        spanId: 'b'.repeat(16),
      }),
      event(5000, { source: 'command', subject: 'replay', kind: 'failed', error: null }),
    ]),
  );
  return db;
}

describe('listErrorEvents', () => {
  it('lists every event newest first, with its fields as stored', () => {
    const events = listErrorEvents(seeded());
    expect(events.map((e) => e.at)).toEqual([5000, 4000, 3000, 2000, 1000]);
    expect(events[1]).toEqual({
      id: '4',
      at: 4000,
      source: 'store',
      subject: 'jobs.db',
      kind: 'commit',
      jobType: null,
      attempt: null,
      error: { name: 'Error', message: 'failed at 4000' },
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
    });
    expect(events[0]?.error).toBeNull();
    expect(events[3]).toMatchObject({ jobType: 'email', attempt: 2, kind: 'FAIL' });
  });

  it('narrows by source, subject (with or without its source), job type and time', () => {
    const db = seeded();
    expect(listErrorEvents(db, { source: 'job' }).map((e) => e.subject)).toEqual(['8', '7']);
    expect(listErrorEvents(db, { subject: '7' }).map((e) => e.at)).toEqual([2000]);
    expect(listErrorEvents(db, { subject: '7', source: 'pool' })).toEqual([]);
    expect(listErrorEvents(db, { subject: 'browsers', source: 'pool' })).toHaveLength(1);
    expect(listErrorEvents(db, { jobType: 'sms' }).map((e) => e.subject)).toEqual(['8']);
    expect(listErrorEvents(db, { since: 2000, until: 4000 }).map((e) => e.at)).toEqual([
      4000, 3000, 2000,
    ]);
    expect(listErrorEvents(db, { limit: 2 }).map((e) => e.at)).toEqual([5000, 4000]);
  });

  it('pages with `before`, and ends the listing when the cursor’s event was trimmed', () => {
    const db = seeded();
    const first = listErrorEvents(db, { limit: 2 });
    const next = listErrorEvents(db, { limit: 2, before: first[1]!.id });
    expect(next.map((e) => e.at)).toEqual([3000, 2000]);
    apply(db, [trimOldestStatement(5)]);
    expect(listErrorEvents(db, { before: next[0]!.id })).toEqual([]);
  });

  it('orders events of the same millisecond by id, and pages through them', () => {
    const db = migrated();
    apply(db, insertErrorEventStatements([event(10), event(10), event(10)]));
    const [newest] = listErrorEvents(db, { limit: 1 });
    expect(newest?.id).toBe('3');
    expect(listErrorEvents(db, { before: '3' }).map((e) => e.id)).toEqual(['2', '1']);
  });

  it('reads a breaker’s cause, stored as plain text, as the message of a BreakerOpened', () => {
    const db = migrated();
    db.prepare(
      `INSERT INTO error_events (at, source, subject, kind, error) VALUES (1, 'breaker', 'payments', 'opened', 'five failures')`,
    ).run();
    db.prepare(
      `INSERT INTO error_events (at, source, subject, kind, error) VALUES (2, 'actor', 'worker', 'exited', '{"not":"an error"}')`,
    ).run();
    db.prepare(
      `INSERT INTO error_events (at, source, subject, kind, error) VALUES (3, 'breaker', 'smtp', 'opened', ?)`,
    ).run(
      JSON.stringify({
        reason: 'tripped',
        rule: 'consecutive-failures',
        failures: 3,
        error: { name: 'Error', message: 'down' },
      }),
    );
    db.prepare(
      `INSERT INTO error_events (at, source, subject, kind, error) VALUES (4, 'breaker', 'smtp', 'opened', ?)`,
    ).run(JSON.stringify({ reason: 'trial failed' }));
    db.prepare(
      `INSERT INTO error_events (at, source, subject, kind, error) VALUES (5, 'breaker', 'smtp', 'opened', ?)`,
    ).run(JSON.stringify({ odd: true }));
    const [odd, trial, tripped, actor, breaker] = listErrorEvents(db);
    expect(breaker?.error).toEqual({ name: 'BreakerOpened', message: 'five failures' });
    expect(tripped?.error?.message).toBe('tripped (consecutive-failures): down');
    expect(trial?.error?.message).toBe('trial failed');
    expect(odd?.error?.message).toBe('{"odd":true}');
    expect(actor?.error).toEqual({ name: 'Error', message: '{"not":"an error"}' });
  });

  it('walks the time index for a common source and the subject index for a sparse one', () => {
    const db = migrated();
    const sparse = errorEventsQuery(db, resolveErrorEventFilter({ source: 'job' }), undefined);
    expect(sparse.sql).toContain('WHERE source = ?');
    apply(
      db,
      insertErrorEventStatements(
        Array.from({ length: sparseSourceRows }, (_, i) => event(i, { source: 'job' })),
      ),
    );
    const common = errorEventsQuery(db, resolveErrorEventFilter({ source: 'job' }), undefined);
    expect(common.sql).toContain('+source = ?');
    expect(listErrorEvents(db, { source: 'job', limit: 3 }).map((e) => e.at)).toEqual([
      sparseSourceRows - 1,
      sparseSourceRows - 2,
      sparseSourceRows - 3,
    ]);
  });
});

describe('trimming error events', () => {
  it('deletes by age in chunks, oldest first, and the oldest beyond a count', () => {
    const db = seeded();
    expect(apply(db, [trimByAgeStatement(3500, 1)])).toEqual([1]);
    expect(apply(db, [trimByAgeStatement(3500, 10)])).toEqual([2]);
    expect(countErrorEvents(db)).toBe(2);
    apply(db, [trimOldestStatement(1)]);
    expect(listErrorEvents(db).map((e) => e.at)).toEqual([5000]);
  });
});

describe('resolveErrorEventFilter', () => {
  it('applies the default limit and keeps what is given', () => {
    expect(resolveErrorEventFilter(undefined)).toEqual({
      source: undefined,
      subject: undefined,
      jobType: undefined,
      since: undefined,
      until: undefined,
      before: undefined,
      limit: 100,
    });
    expect(resolveErrorEventFilter({ before: '42', source: 'actor' })).toMatchObject({
      before: 42,
      source: 'actor',
    });
  });

  it.each([
    [{ source: 'disk' }, '`disk`'],
    [{ before: '0' }, '`0`'],
    [{ before: 12 }, '12'],
    [{ limit: 0 }, '0'],
    [{ limit: 1001 }, '1001'],
    [{ since: -1 }, '-1'],
    [{ until: 1.5 }, '1.5'],
    [{ subject: 3 }, '3'],
    [{ jobType: '' }, 'got ``'],
    [{ sources: 'job' }, 'sources'],
  ])('refuses %j with a typed error that quotes the value', (filter, quoted) => {
    let thrown: unknown;
    try {
      resolveErrorEventFilter(filter);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionError);
    expect((thrown as InvalidOptionError).code).toBe('INVALID_OPTION');
    expect((thrown as Error).message).toContain(quoted);
  });
});

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DatabaseError, type SerializedError } from '../../src/errors.js';
import { migrations, WARDEN_APPLICATION_ID } from '../../src/persistence/schema.js';
import { SqliteStore } from '../../src/persistence/sqliteStore.js';
import type {
  ActorEventRecord,
  ActorStore,
  DeadActorRecord,
  UndeliverableRecord,
} from '../../src/persistence/Store.js';
import { tempDatabase } from '../helpers.js';
import {
  claim,
  everywhere,
  filenameFor,
  insert,
  newJob,
  openStore,
  owner,
  rawCount,
  withConnection,
  type Where,
} from './storeFixtures.js';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/**
 * Runs SQL on the store's database for a test's setup (a fault-injecting trigger): on a file
 * through a second connection, on `:memory:` through the store's own, which its writer shares.
 */
function execBehind(store: SqliteStore, filename: string, sql: string): void {
  if (filename === ':memory:') store.reader().exec(sql);
  else withConnection(filename, (db) => db.exec(sql));
}

/** Rows of `table`: read by a second connection for a file (what another process would see). */
function stored(store: SqliteStore, filename: string, table: string): number {
  if (filename !== ':memory:') return rawCount(filename, table);
  return (store.reader().prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

function event(overrides: Partial<ActorEventRecord> = {}): ActorEventRecord {
  return {
    actorId: 'ws',
    supervisorId: 'root',
    kind: 'started',
    at: 1000,
    restarts: 0,
    ...overrides,
  };
}

function dead(overrides: Partial<DeadActorRecord> = {}): DeadActorRecord {
  return {
    actorId: 'ws',
    supervisorId: 'root',
    kind: 'worker',
    at: 5000,
    restarts: 3,
    errors: [boom, bang],
    ...overrides,
  };
}

function error(n: number): SerializedError {
  return { name: 'Error', message: `failure ${n}` };
}

const boom: SerializedError = { name: 'Error', message: 'boom', code: 'E_BOOM', stack: 'at x' };
const bang: SerializedError = { name: 'TypeError', message: 'bang' };

describe.each(everywhere)('SqliteStore as an ActorStore (%s)', (where: Where) => {
  /** A test for `:memory:` alone: its SQL runs the same on a file; the file adds the writer thread. */
  function memoryOnly(name: string, fn: () => unknown): void {
    if (where === 'memory') it(name, fn);
  }

  memoryOnly('is an ActorStore', () => {
    const store: ActorStore = openStore(filenameFor(where));
    expect(store.deadActors()).toEqual([]);
  });

  describe('recordActorEvent and actorHistory', () => {
    it('records a whole lifecycle and gives it back in order, reasons and errors included', () => {
      const store = openStore(filenameFor(where));
      const lifecycle: ActorEventRecord[] = [
        event({ kind: 'started', at: 1000 }),
        event({ kind: 'exited', reason: 'abnormal', at: 1100, error: boom }),
        event({ kind: 'restarting', at: 1100, error: boom }),
        event({ kind: 'started', at: 1200, restarts: 1 }),
        event({ kind: 'exited', reason: 'normal', at: 1300, restarts: 1 }),
        event({ kind: 'started', at: 1300, restarts: 1 }),
        event({ kind: 'exited', reason: 'shutdown', at: 1400, restarts: 1 }),
        event({ kind: 'escalated', at: 1500, restarts: 1, error: bang }),
      ];
      for (const record of lifecycle) store.recordActorEvent(record);
      expect(store.actorHistory('ws')).toEqual(lifecycle);
    });

    memoryOnly('leaves out reason and error when there is none', () => {
      const store = openStore(filenameFor(where));
      store.recordActorEvent(event());
      const [record] = store.actorHistory('ws');
      expect(record).toStrictEqual({
        actorId: 'ws',
        supervisorId: 'root',
        kind: 'started',
        at: 1000,
        restarts: 0,
      });
    });

    memoryOnly('keeps a null supervisor for the root', () => {
      const store = openStore(filenameFor(where));
      store.recordActorEvent(event({ actorId: 'root', supervisorId: null }));
      expect(store.actorHistory('root')).toEqual([event({ actorId: 'root', supervisorId: null })]);
    });

    memoryOnly('orders by the order of writing, even when times go backwards or tie', () => {
      const store = openStore(filenameFor(where));
      store.recordActorEvent(event({ kind: 'started', at: 2000 }));
      store.recordActorEvent(event({ kind: 'exited', reason: 'abnormal', at: 1000 }));
      store.recordActorEvent(event({ kind: 'restarting', at: 1000 }));
      expect(store.actorHistory('ws').map((record) => record.kind)).toEqual([
        'started',
        'exited',
        'restarting',
      ]);
    });

    memoryOnly("gives only the named actor's records", () => {
      const store = openStore(filenameFor(where));
      store.recordActorEvent(event({ actorId: 'a', at: 1 }));
      store.recordActorEvent(event({ actorId: 'b', at: 2 }));
      store.recordActorEvent(event({ actorId: 'a', kind: 'exited', reason: 'normal', at: 3 }));
      expect(store.actorHistory('a').map((record) => record.at)).toEqual([1, 3]);
      expect(store.actorHistory('b').map((record) => record.at)).toEqual([2]);
      expect(store.actorHistory('c')).toEqual([]);
    });

    memoryOnly('keeps the newest `limit` records, oldest first, and 100 by default', () => {
      const store = openStore(filenameFor(where));
      for (let i = 0; i < 120; i++) store.recordActorEvent(event({ at: i, restarts: i }));
      const ats = (records: ActorEventRecord[]) => records.map((record) => record.at);
      expect(ats(store.actorHistory('ws', 3))).toEqual([117, 118, 119]);
      expect(ats(store.actorHistory('ws'))).toEqual(Array.from({ length: 100 }, (_, i) => i + 20));
      expect(store.actorHistory('ws', 500)).toHaveLength(120);
      expect(store.actorHistory('ws', Infinity)).toHaveLength(120);
      expect(ats(store.actorHistory('ws', 2.7))).toEqual([118, 119]);
      expect(store.actorHistory('ws', 0)).toEqual([]);
      expect(store.actorHistory('ws', -1)).toEqual([]);
      expect(store.actorHistory('ws', Number.NaN)).toEqual([]);
    });

    it('writes each record at once, in a transaction of its own', () => {
      const filename = filenameFor(where);
      const store = openStore(filename);
      store.recordActorEvent(event());
      expect(stored(store, filename, 'actor_events')).toBe(1);
      execBehind(
        store,
        filename,
        `CREATE TRIGGER refuse_exit BEFORE INSERT ON actor_events WHEN NEW.kind = 'exited'
         BEGIN SELECT RAISE(ABORT, 'exit refused'); END;`,
      );
      expect(() => store.recordActorEvent(event({ kind: 'exited', reason: 'abnormal' }))).toThrow(
        'exit refused',
      );
      store.recordActorEvent(event({ kind: 'restarting' }));
      expect(store.actorHistory('ws').map((record) => record.kind)).toEqual([
        'started',
        'restarting',
      ]);
      expect(stored(store, filename, 'actor_events')).toBe(2);
    });

    it('is written after the group commits sent before it, in order', async () => {
      const filename = filenameFor(where);
      const store = openStore(filename);
      const pending = store.commit({
        at: 1000,
        owner,
        steps: [{ kind: 'insert', jobs: [newJob()] }],
      });
      // Blocks until the writer has applied everything sent before it.
      store.recordActorEvent(event());
      expect(stored(store, filename, 'jobs')).toBe(1);
      expect(stored(store, filename, 'actor_events')).toBe(1);
      expect((await pending).results[0]?.ok).toBe(true);
    });
  });

  describe('restartTimes', () => {
    function seed(store: SqliteStore): void {
      // Children of `sup`.
      store.recordActorEvent(
        event({ actorId: 'a', supervisorId: 'sup', kind: 'restarting', at: 100 }),
      );
      store.recordActorEvent(
        event({ actorId: 'b', supervisorId: 'sup', kind: 'restarting', at: 300 }),
      );
      store.recordActorEvent(
        event({ actorId: 'a', supervisorId: 'sup', kind: 'restarting', at: 200 }),
      );
      store.recordActorEvent(
        event({ actorId: 'a', supervisorId: 'sup', kind: 'restarting', at: 200 }),
      );
      // Same supervisor, other kinds.
      for (const kind of ['started', 'exited', 'escalated', 'dead', 'revived'] as const) {
        store.recordActorEvent(event({ actorId: 'a', supervisorId: 'sup', kind, at: 250 }));
      }
      // Another supervisor, the root, and the supervisor itself restarting under its parent.
      store.recordActorEvent(
        event({ actorId: 'c', supervisorId: 'other', kind: 'restarting', at: 150 }),
      );
      store.recordActorEvent(
        event({ actorId: 'sup', supervisorId: null, kind: 'restarting', at: 160 }),
      );
      store.recordActorEvent(
        event({ actorId: 'x', supervisorId: 'root', kind: 'restarting', at: 170 }),
      );
    }

    it("gives the times of the supervisor's children's restarts, oldest first", () => {
      const store = openStore(filenameFor(where));
      seed(store);
      expect(store.restartTimes('sup', 0)).toEqual([100, 200, 200, 300]);
      expect(store.restartTimes('other', 0)).toEqual([150]);
      expect(store.restartTimes('root', 0)).toEqual([170]);
      expect(store.restartTimes('nobody', 0)).toEqual([]);
    });

    memoryOnly('counts from `since`, inclusive', () => {
      const store = openStore(filenameFor(where));
      seed(store);
      expect(store.restartTimes('sup', 200)).toEqual([200, 200, 300]);
      expect(store.restartTimes('sup', 201)).toEqual([300]);
      expect(store.restartTimes('sup', 300)).toEqual([300]);
      expect(store.restartTimes('sup', 301)).toEqual([]);
    });
  });

  describe('markActorDead, deadActors and reviveActor', () => {
    it('records a dead actor and a dead event carrying its newest error', () => {
      const filename = filenameFor(where);
      const store = openStore(filename);
      store.markActorDead(dead());
      expect(store.deadActors()).toEqual([dead()]);
      expect(store.actorHistory('ws')).toEqual([
        { actorId: 'ws', supervisorId: 'root', kind: 'dead', at: 5000, restarts: 3, error: bang },
      ]);
      expect(stored(store, filename, 'dead_actors')).toBe(1);
      expect(stored(store, filename, 'actor_events')).toBe(1);
    });

    memoryOnly('records a dead supervisor with no errors, and a dead event without one', () => {
      const store = openStore(filenameFor(where));
      store.markActorDead(dead({ actorId: 'pool', kind: 'supervisor', errors: [] }));
      expect(store.deadActors()).toEqual([
        dead({ actorId: 'pool', kind: 'supervisor', errors: [] }),
      ]);
      expect(store.actorHistory('pool')).toStrictEqual([
        { actorId: 'pool', supervisorId: 'root', kind: 'dead', at: 5000, restarts: 3 },
      ]);
    });

    memoryOnly('keeps only the newest 10 errors, newest last', () => {
      const store = openStore(filenameFor(where));
      const errors = Array.from({ length: 13 }, (_, i) => error(i));
      store.markActorDead(dead({ errors }));
      const [record] = store.deadActors();
      expect(record?.errors).toEqual(errors.slice(3));
      expect(record?.errors).toHaveLength(10);
      expect(store.actorHistory('ws')[0]?.error).toEqual(error(12));
    });

    memoryOnly('replaces an earlier record of the same actor and keeps both dead events', () => {
      const store = openStore(filenameFor(where));
      store.markActorDead(dead({ at: 5000, restarts: 3, errors: [boom] }));
      store.markActorDead(
        dead({ at: 9000, restarts: 7, supervisorId: 'sup', kind: 'supervisor', errors: [bang] }),
      );
      expect(store.deadActors()).toEqual([
        dead({ at: 9000, restarts: 7, supervisorId: 'sup', kind: 'supervisor', errors: [bang] }),
      ]);
      expect(store.actorHistory('ws').map((record) => [record.kind, record.at])).toEqual([
        ['dead', 5000],
        ['dead', 9000],
      ]);
    });

    memoryOnly('lists dead actors in the order they died', () => {
      const store = openStore(filenameFor(where));
      store.markActorDead(dead({ actorId: 'late', at: 300 }));
      store.markActorDead(dead({ actorId: 'early', at: 100 }));
      store.markActorDead(dead({ actorId: 'b-tie', at: 200 }));
      store.markActorDead(dead({ actorId: 'a-tie', at: 200, supervisorId: null }));
      expect(store.deadActors().map((record) => record.actorId)).toEqual([
        'early',
        'a-tie',
        'b-tie',
        'late',
      ]);
    });

    it('writes neither the record nor the event when one of them is refused', () => {
      const filename = filenameFor(where);
      const store = openStore(filename);
      execBehind(
        store,
        filename,
        `CREATE TRIGGER refuse_dead_event BEFORE INSERT ON actor_events WHEN NEW.kind = 'dead'
         BEGIN SELECT RAISE(ABORT, 'dead event refused'); END;`,
      );
      expect(() => store.markActorDead(dead())).toThrow('dead event refused');
      expect(store.deadActors()).toEqual([]);
      expect(store.actorHistory('ws')).toEqual([]);
      expect(stored(store, filename, 'dead_actors')).toBe(0);
      expect(stored(store, filename, 'actor_events')).toBe(0);
    });

    it('keeps the dead record when its revival is refused', () => {
      const filename = filenameFor(where);
      const store = openStore(filename);
      store.markActorDead(dead());
      execBehind(
        store,
        filename,
        `CREATE TRIGGER refuse_revive BEFORE DELETE ON dead_actors
         BEGIN SELECT RAISE(ABORT, 'revival refused'); END;`,
      );
      expect(() => store.reviveActor('ws', 6000)).toThrow('revival refused');
      expect(store.deadActors()).toEqual([dead()]);
      expect(store.actorHistory('ws').map((record) => record.kind)).toEqual(['dead']);
    });

    it('revives a dead actor: the record goes, a revived event is appended', () => {
      const filename = filenameFor(where);
      const store = openStore(filename);
      store.markActorDead(dead());
      store.markActorDead(dead({ actorId: 'other' }));
      expect(store.reviveActor('ws', 6000)).toBe(true);
      expect(store.deadActors().map((record) => record.actorId)).toEqual(['other']);
      expect(store.actorHistory('ws')).toStrictEqual([
        { actorId: 'ws', supervisorId: 'root', kind: 'dead', at: 5000, restarts: 3, error: bang },
        { actorId: 'ws', supervisorId: 'root', kind: 'revived', at: 6000, restarts: 3 },
      ]);
      expect(stored(store, filename, 'dead_actors')).toBe(1);
    });

    memoryOnly('revives nothing, and writes nothing, for an actor that is not dead', () => {
      const store = openStore(filenameFor(where));
      store.recordActorEvent(event());
      expect(store.reviveActor('ws', 6000)).toBe(false);
      expect(store.reviveActor('nobody', 6000)).toBe(false);
      expect(store.actorHistory('ws')).toEqual([event()]);
      expect(store.actorHistory('nobody')).toEqual([]);
      store.markActorDead(dead());
      expect(store.reviveActor('ws', 6000)).toBe(true);
      expect(store.reviveActor('ws', 7000)).toBe(false);
      expect(store.actorHistory('ws').map((record) => record.kind)).toEqual([
        'started',
        'dead',
        'revived',
      ]);
    });
  });

  describe('recordUndeliverable and undeliverable', () => {
    it('counts events sent to a stopped actor and keeps them, newest last', () => {
      const store = openStore(filenameFor(where));
      const first = store.recordUndeliverable('ws', { type: 'SEND', data: 'hi' }, 100);
      expect(first).toEqual<UndeliverableRecord>({
        actorId: 'ws',
        count: 1,
        last: [{ at: 100, event: { type: 'SEND', data: 'hi' } }],
        updatedAt: 100,
      });
      const second = store.recordUndeliverable('ws', { type: 'PING' }, 200);
      expect(second).toEqual<UndeliverableRecord>({
        actorId: 'ws',
        count: 2,
        last: [
          { at: 100, event: { type: 'SEND', data: 'hi' } },
          { at: 200, event: { type: 'PING' } },
        ],
        updatedAt: 200,
      });
      expect(store.undeliverable('ws')).toEqual([second]);
      expect(store.undeliverable()).toEqual([second]);
    });

    memoryOnly('keeps the count of every event but only the last 10', () => {
      const store = openStore(filenameFor(where));
      let record: UndeliverableRecord | undefined;
      for (let i = 0; i < 25; i++) record = store.recordUndeliverable('ws', { type: 'E', i }, i);
      const expected: UndeliverableRecord = {
        actorId: 'ws',
        count: 25,
        last: Array.from({ length: 10 }, (_, k) => ({
          at: k + 15,
          event: { type: 'E', i: k + 15 },
        })),
        updatedAt: 24,
      };
      expect(record).toEqual(expected);
      expect(store.undeliverable('ws')).toEqual([expected]);
    });

    memoryOnly('keeps JSON-able events of any shape', () => {
      const store = openStore(filenameFor(where));
      for (const [i, value] of [
        'text',
        42,
        true,
        null,
        [1, { a: 2 }],
        { nested: { ok: [] } },
      ].entries()) {
        store.recordUndeliverable('ws', value, i);
      }
      expect(store.undeliverable('ws')[0]?.last.map((entry) => entry.event)).toEqual([
        'text',
        42,
        true,
        null,
        [1, { a: 2 }],
        { nested: { ok: [] } },
      ]);
    });

    memoryOnly('stores a placeholder string, saying why, for what JSON cannot hold', () => {
      const store = openStore(filenameFor(where));
      const cyclic: Record<string, unknown> = { type: 'LOOP' };
      cyclic['self'] = cyclic;
      const values: unknown[] = [
        undefined,
        () => 1,
        Symbol('s'),
        10n,
        Number.NaN,
        cyclic,
        { type: 'SOCKET', socket: new Map() },
      ];
      for (const [i, value] of values.entries()) store.recordUndeliverable('ws', value, i);
      const stored = store.undeliverable('ws')[0]?.last.map((entry) => entry.event);
      expect(stored).toEqual([
        '[not JSON-able: $ is undefined]',
        '[not JSON-able: $ is a function]',
        '[not JSON-able: $ is a symbol]',
        '[not JSON-able: $ is a BigInt (10n), which JSON cannot hold]',
        '[not JSON-able: $ is NaN, which JSON cannot hold]',
        '[not JSON-able: $.self refers back to itself (a cycle)]',
        '[not JSON-able: $.socket is a Map, not plain data]',
      ]);
      expect(store.undeliverable('ws')[0]?.count).toBe(7);
    });

    memoryOnly('returns what a later read gives: the event as stored JSON', () => {
      const store = openStore(filenameFor(where));
      const returned = store.recordUndeliverable('ws', { at: new Date(0), skip: undefined }, 1);
      expect(returned.last).toStrictEqual([{ at: 1, event: { at: '1970-01-01T00:00:00.000Z' } }]);
      expect(store.undeliverable('ws')).toStrictEqual([returned]);
    });

    memoryOnly('keeps actors apart and lists them all by id', () => {
      const store = openStore(filenameFor(where));
      store.recordUndeliverable('b', { type: 'X' }, 1);
      store.recordUndeliverable('a', { type: 'Y' }, 2);
      store.recordUndeliverable('b', { type: 'Z' }, 3);
      expect(store.undeliverable().map((record) => [record.actorId, record.count])).toEqual([
        ['a', 1],
        ['b', 2],
      ]);
      expect(store.undeliverable('b')[0]?.last.map((entry) => entry.event)).toEqual([
        { type: 'X' },
        { type: 'Z' },
      ]);
      expect(store.undeliverable('c')).toEqual([]);
    });

    it('keeps the stored record when a later write is refused', () => {
      const filename = filenameFor(where);
      const store = openStore(filename);
      store.recordUndeliverable('ws', { type: 'A' }, 1);
      execBehind(
        store,
        filename,
        `CREATE TRIGGER refuse_update BEFORE UPDATE ON undeliverable
         BEGIN SELECT RAISE(ABORT, 'update refused'); END;`,
      );
      expect(() => store.recordUndeliverable('ws', { type: 'B' }, 2)).toThrow('update refused');
      expect(store.undeliverable('ws')).toEqual([
        { actorId: 'ws', count: 1, last: [{ at: 1, event: { type: 'A' } }], updatedAt: 1 },
      ]);
      expect(stored(store, filename, 'undeliverable')).toBe(1);
    });
  });
});

describe('SqliteStore as an ActorStore', () => {
  describe('indexes', () => {
    it('is answered from the supervisor index, and histories from the actor index', async () => {
      const filename = tempDatabase();
      await openStore(filename).close();
      const db = new Database(filename, { readonly: true });
      try {
        const plan = (sql: string): string =>
          (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
            .map((row) => row.detail)
            .join('\n');
        expect(
          plan(
            "SELECT at FROM actor_events WHERE supervisor_id = 'sup' AND kind = 'restarting' AND at >= 0 ORDER BY at, id",
          ),
        ).toContain('actor_events_supervisor');
        expect(
          plan("SELECT * FROM actor_events WHERE actor_id = 'ws' ORDER BY id DESC LIMIT 100"),
        ).toContain('actor_events_actor');
      } finally {
        db.close();
      }
    });
  });

  describe('durability', () => {
    it('keeps history, restart times, dead actors and undeliverable events across close and reopen', async () => {
      const filename = tempDatabase();
      const first = openStore(filename);
      first.recordActorEvent(event({ kind: 'started', at: 1000 }));
      first.recordActorEvent(event({ kind: 'exited', reason: 'abnormal', at: 1100, error: boom }));
      first.recordActorEvent(event({ kind: 'restarting', at: 1100, error: boom }));
      first.recordActorEvent(event({ kind: 'started', at: 1150, restarts: 1 }));
      first.markActorDead(dead({ actorId: 'poller', at: 1200 }));
      first.recordUndeliverable('poller', { type: 'POLL' }, 1300);
      const history = first.actorHistory('ws');
      const deadActors = first.deadActors();
      const undeliverable = first.undeliverable();
      await first.close();

      const second = openStore(filename);
      expect(second.actorHistory('ws')).toEqual(history);
      expect(second.restartTimes('root', 0)).toEqual([1100]);
      expect(second.deadActors()).toEqual(deadActors);
      expect(second.undeliverable()).toEqual(undeliverable);
      // A crash-looping child is not given a fresh budget by a restart of the process.
      second.recordActorEvent(event({ kind: 'restarting', at: 1400, restarts: 1 }));
      expect(second.restartTimes('root', 1000)).toEqual([1100, 1400]);
      expect(second.reviveActor('poller', 1500)).toBe(true);
      expect(second.recordUndeliverable('poller', { type: 'POLL' }, 1600).count).toBe(2);
    });

    it('refuses to be used before it is opened or after it is closed', async () => {
      const store = new SqliteStore({ filename: ':memory:', synchronous: 'normal' });
      const uses: (() => unknown)[] = [
        () => store.recordActorEvent(event()),
        () => store.restartTimes('root', 0),
        () => store.actorHistory('ws'),
        () => store.markActorDead(dead()),
        () => store.reviveActor('ws', 1),
        () => store.deadActors(),
        () => store.recordUndeliverable('ws', {}, 1),
        () => store.undeliverable(),
      ];
      for (const use of uses) {
        expect((thrownBy(use) as DatabaseError).code).toBe('DATABASE_UNAVAILABLE');
      }
      store.open();
      await store.close();
      for (const use of uses) {
        expect((thrownBy(use) as DatabaseError).code).toBe('DATABASE_UNAVAILABLE');
      }
    });
  });

  describe('migration from older schemas', () => {
    /** A database as the first release of Warden left it: migration 1 only, with one job. */
    function v1Database(filename: string): void {
      withConnection(filename, (db) => {
        db.pragma('journal_mode = WAL');
        db.exec(migrations[0] as string);
        db.pragma(`application_id = ${WARDEN_APPLICATION_ID}`);
        db.pragma('user_version = 1');
        db.prepare(
          `INSERT INTO jobs (type, status, payload, priority, run_at, max_attempts, idempotency_key, created_at, updated_at)
           VALUES ('email', 'queued', '{"to":"ada@example.com"}', 2, 1000, 3, 'k1', 1000, 1000)`,
        ).run();
        db.prepare(
          `INSERT INTO job_events (job_id, version, from_status, to_status, event, at, attempt, error)
           VALUES (1, 0, NULL, 'queued', 'ENQUEUE', 1000, 0, NULL)`,
        ).run();
      });
    }

    /** Every table, index and trigger with its SQL, and the schema version. */
    function schemaOf(filename: string): unknown {
      return withConnection(
        filename,
        (db) => ({
          userVersion: db.pragma('user_version', { simple: true }),
          objects: db
            .prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name')
            .all(),
        }),
        true,
      );
    }

    /** The schema version and every table and index, by name. */
    function schemaState(filename: string): { userVersion: unknown; tables: string[] } {
      return withConnection(
        filename,
        (db) => ({
          userVersion: db.pragma('user_version', { simple: true }),
          tables: (
            db
              .prepare(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name",
              )
              .all() as { name: string }[]
          ).map((row) => row.name),
        }),
        true,
      );
    }

    it('has nine migrations', () => {
      expect(migrations).toHaveLength(9);
    });

    it('upgrades a version 1 file in place and keeps its jobs', async () => {
      const filename = tempDatabase();
      v1Database(filename);
      expect(schemaState(filename).userVersion).toBe(1);
      expect(schemaState(filename).tables).not.toContain('actor_events');

      const store = openStore(filename);
      // Migrated, it has the schema a new file gets (migration 8's indexes are its own tests').
      const fresh = tempDatabase();
      await openStore(fresh).close();
      expect(schemaOf(filename)).toEqual(schemaOf(fresh));
      expect(schemaState(filename)).toEqual({
        userVersion: migrations.length,
        tables: expect.arrayContaining([
          'actor_events',
          'breakers',
          'dead_actors',
          'job_counts',
          'job_events',
          'jobs',
          'jobs_idempotency',
          'jobs_queued',
          'jobs_unfinished',
          'jobs_waiting',
          'owner',
          'undeliverable',
        ]) as string[],
      });
      expect(schemaState(filename).tables).not.toContain('jobs_dead');
      expect(await store.getJob('1')).toMatchObject({
        id: '1',
        type: 'email',
        status: 'queued',
        payload: { to: 'ada@example.com' },
        priority: 2,
        idempotencyKey: 'k1',
        stalls: 0,
      });
      expect(await store.history('1')).toEqual([
        { from: null, to: 'queued', event: 'ENQUEUE', at: 1000, attempt: 0, error: null },
      ]);
      const [again] = await insert(store, 2000, newJob({ idempotencyKey: 'k1', at: 2000 }));
      expect(again?.created).toBe(false);
      expect((await claim(store, 1100)).map((job) => job.id)).toEqual(['1']);
      // The history written by migration 3's triggers continues the one written before it.
      expect(await store.history('1')).toEqual([
        { from: null, to: 'queued', event: 'ENQUEUE', at: 1000, attempt: 0, error: null },
        { from: 'queued', to: 'claimed', event: 'CLAIM', at: 1100, attempt: 0, error: null },
      ]);

      store.recordActorEvent(event());
      store.markActorDead(dead());
      store.recordUndeliverable('ws', { type: 'PING' }, 1);
      expect(store.actorHistory('ws').map((record) => record.kind)).toEqual(['started', 'dead']);
      await store.close();

      // Opening again runs no migration twice.
      const reopened = openStore(filename);
      expect(schemaState(filename).userVersion).toBe(migrations.length);
      expect((await reopened.getJob('1'))?.status).toBe('claimed');
      expect(reopened.deadActors()).toHaveLength(1);
      expect(rawCount(filename, 'jobs')).toBe(1);
      expect(rawCount(filename, 'job_events')).toBe(2);
    });

    it.each([
      ['as migration 4 first was', ''],
      [
        'with the owner start time of a development build',
        'ALTER TABLE owner ADD COLUMN process_started_at INTEGER NOT NULL DEFAULT 0;',
      ],
      [
        'with both columns of a development build',
        `ALTER TABLE owner ADD COLUMN process_started_at INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE jobs ADD COLUMN fallback_at INTEGER;`,
      ],
    ])('upgrades a version 4 file %s to the latest schema', async (_name, extra) => {
      const filename = tempDatabase();
      withConnection(filename, (db) => {
        db.pragma('journal_mode = WAL');
        for (const migration of migrations.slice(0, 4)) db.exec(migration as string);
        if (extra !== '') db.exec(extra);
        db.pragma(`application_id = ${WARDEN_APPLICATION_ID}`);
        db.pragma('user_version = 4');
      });

      await openStore(filename).close();
      withConnection(
        filename,
        (check) => {
          const columns = (table: string): string[] =>
            (check.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map(
              (column) => column.name,
            );
          expect(check.pragma('user_version', { simple: true })).toBe(migrations.length);
          expect(columns('owner')).toContain('process_started_at');
          expect(columns('jobs')).toEqual(expect.arrayContaining(['fallback_by', 'stalls']));
          expect(
            check
              .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
              .all(),
          ).toEqual([
            { name: 'error_events_actor' },
            { name: 'error_events_breaker' },
            { name: 'error_events_job' },
            { name: 'job_counts_delete' },
            { name: 'job_counts_insert' },
            { name: 'job_counts_update' },
            { name: 'jobs_history_insert' },
            { name: 'jobs_history_update' },
            { name: 'jobs_status_needs_version' },
          ]);
        },
        true,
      );
    });

    it('creates a new database at the latest version directly', async () => {
      const filename = tempDatabase();
      await openStore(filename).close();
      expect(schemaState(filename).userVersion).toBe(migrations.length);
      expect(rawCount(filename, 'actor_events')).toBe(0);
    });
  });
});

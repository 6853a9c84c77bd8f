import type Database from 'better-sqlite3';
import type { SerializedError } from '../../errors.js';
import { jsonProblem } from '../json.js';
import type {
  ActorEventKind,
  ActorEventRecord,
  DeadActorRecord,
  UndeliverableRecord,
} from '../Store.js';
import type { SqlStatement } from './batchWriter.js';

/** How many errors a dead-letter record keeps, and how many undeliverable events per actor. */
const deadErrorsKept = 10;
const undeliverableKept = 10;
export const defaultActorHistoryLimit = 100;

interface ActorEventRow {
  actor_id: string;
  supervisor_id: string | null;
  kind: ActorEventKind;
  reason: NonNullable<ActorEventRecord['reason']> | null;
  at: number;
  restarts: number;
  error: string | null;
}

interface DeadActorRow {
  actor_id: string;
  supervisor_id: string | null;
  kind: DeadActorRecord['kind'];
  at: number;
  restarts: number;
  errors: string;
}

interface UndeliverableRow {
  actor_id: string;
  count: number;
  last: string;
  updated_at: number;
}

type UndeliverableEntry = UndeliverableRecord['last'][number];

const insertEvent = `INSERT INTO actor_events (actor_id, supervisor_id, kind, reason, at, restarts, error)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;

function toActorEvent(row: ActorEventRow): ActorEventRecord {
  return {
    actorId: row.actor_id,
    supervisorId: row.supervisor_id,
    kind: row.kind,
    ...(row.reason === null ? {} : { reason: row.reason }),
    at: row.at,
    restarts: row.restarts,
    ...(row.error === null ? {} : { error: JSON.parse(row.error) as SerializedError }),
  };
}

function toUndeliverable(row: UndeliverableRow): UndeliverableRecord {
  return {
    actorId: row.actor_id,
    count: row.count,
    last: JSON.parse(row.last) as UndeliverableEntry[],
    updatedAt: row.updated_at,
  };
}

/** An event as JSON text; what JSON cannot hold becomes a placeholder string saying why. */
function eventJson(event: unknown): string {
  let problem = jsonProblem(event, '$', 'allow');
  if (problem === undefined) {
    try {
      return JSON.stringify(event);
    } catch (error) {
      problem = `$ cannot be serialised (${String(error)})`;
    }
  }
  return JSON.stringify(`[not JSON-able: ${problem}]`);
}

/** The statements that append one actor lifecycle record. */
export function actorEventStatement(record: ActorEventRecord): SqlStatement {
  return {
    sql: insertEvent,
    params: [
      record.actorId,
      record.supervisorId,
      record.kind,
      record.reason ?? null,
      record.at,
      record.restarts,
      record.error === undefined ? null : JSON.stringify(record.error),
    ],
  };
}

/** Records an actor as dead-lettered (replacing any earlier record), with its 'dead' event. */
export function markDeadStatements(record: DeadActorRecord): SqlStatement[] {
  const errors = record.errors.slice(-deadErrorsKept);
  const lastError = errors.at(-1);
  return [
    {
      sql: `INSERT INTO dead_actors (actor_id, supervisor_id, kind, at, restarts, errors)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (actor_id) DO UPDATE SET supervisor_id = excluded.supervisor_id,
          kind = excluded.kind, at = excluded.at, restarts = excluded.restarts,
          errors = excluded.errors`,
      params: [
        record.actorId,
        record.supervisorId,
        record.kind,
        record.at,
        record.restarts,
        JSON.stringify(errors),
      ],
    },
    {
      sql: insertEvent,
      params: [
        record.actorId,
        record.supervisorId,
        'dead',
        null,
        record.at,
        record.restarts,
        lastError === undefined ? null : JSON.stringify(lastError),
      ],
    },
  ];
}

/** Removes a dead-letter record and appends a 'revived' event carrying its supervisor and restarts. */
export function reviveStatements(actorId: string, at: number): SqlStatement[] {
  return [
    {
      sql: `INSERT INTO actor_events (actor_id, supervisor_id, kind, reason, at, restarts, error)
        SELECT actor_id, supervisor_id, 'revived', NULL, ?, restarts, NULL FROM dead_actors WHERE actor_id = ?`,
      params: [at, actorId],
    },
    { sql: 'DELETE FROM dead_actors WHERE actor_id = ?', params: [actorId] },
  ];
}

/** The record after one more undeliverable event, and the statement that stores it. */
export function undeliverableUpdate(
  previous: UndeliverableRecord | undefined,
  actorId: string,
  event: unknown,
  at: number,
): { record: UndeliverableRecord; statement: SqlStatement } {
  const entry: UndeliverableEntry = { at, event: JSON.parse(eventJson(event)) as unknown };
  const record: UndeliverableRecord = {
    actorId,
    count: (previous?.count ?? 0) + 1,
    last: [...(previous?.last ?? []), entry].slice(-undeliverableKept),
    updatedAt: at,
  };
  return {
    record,
    statement: {
      sql: `INSERT INTO undeliverable (actor_id, count, last, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (actor_id) DO UPDATE SET count = excluded.count, last = excluded.last,
          updated_at = excluded.updated_at`,
      params: [actorId, record.count, JSON.stringify(record.last), at],
    },
  };
}

/** Reads of the supervision tree's records. */
export class ActorReads {
  private readonly restarts: Database.Statement<[string, number], { at: number }>;
  private readonly history: Database.Statement<[string, number], ActorEventRow>;
  private readonly dead: Database.Statement<[], DeadActorRow>;
  private readonly undeliverableOf: Database.Statement<[string], UndeliverableRow>;
  private readonly undeliverableAll: Database.Statement<[], UndeliverableRow>;

  constructor(db: Database.Database) {
    this.restarts = db.prepare(
      `SELECT at FROM actor_events
       WHERE supervisor_id = ? AND kind = 'restarting' AND at >= ? ORDER BY at, id`,
    );
    this.history = db.prepare(
      `SELECT actor_id, supervisor_id, kind, reason, at, restarts, error FROM (
         SELECT * FROM actor_events WHERE actor_id = ? ORDER BY id DESC LIMIT ?
       ) ORDER BY id`,
    );
    this.dead = db.prepare('SELECT * FROM dead_actors ORDER BY at, actor_id');
    this.undeliverableOf = db.prepare('SELECT * FROM undeliverable WHERE actor_id = ?');
    this.undeliverableAll = db.prepare('SELECT * FROM undeliverable ORDER BY actor_id');
  }

  restartTimes(supervisorId: string, since: number): number[] {
    return this.restarts.all(supervisorId, since).map((row) => row.at);
  }

  actorHistory(actorId: string, limit: number): ActorEventRecord[] {
    if (!(limit >= 1)) return [];
    // SQLite reads a negative LIMIT as no limit at all.
    const bound = Number.isFinite(limit) ? Math.floor(limit) : -1;
    return this.history.all(actorId, bound).map(toActorEvent);
  }

  deadActors(): DeadActorRecord[] {
    return this.dead.all().map((row) => ({
      actorId: row.actor_id,
      supervisorId: row.supervisor_id,
      kind: row.kind,
      at: row.at,
      restarts: row.restarts,
      errors: JSON.parse(row.errors) as SerializedError[],
    }));
  }

  undeliverable(actorId?: string): UndeliverableRecord[] {
    const rows =
      actorId === undefined
        ? this.undeliverableAll.all()
        : [this.undeliverableOf.get(actorId)].filter((row) => row !== undefined);
    return rows.map(toUndeliverable);
  }
}

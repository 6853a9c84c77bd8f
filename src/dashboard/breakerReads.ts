import type Database from 'better-sqlite3';
import { wholeNumber } from '../cli/options.js';
import { ActorNotFoundError } from '../errors.js';
import { readSnapshot } from '../persistence/sqlite/snapshots.js';
import { perConnection } from '../persistence/sqlite/perConnection.js';
import { checkQuery, segment } from './requests.js';
import { breakerIdPrefix } from '../supervisor/rootNode.js';

/** A breaker now: its stored row joined with what the owner's `breakers` snapshot says of it. */
export interface BreakerNow {
  readonly name: string;
  /** From the `breakers` table when it has a row (the freshest), else from the snapshot. */
  readonly state: string;
  /** Opens since it last closed (the backoff step); 0 for a breaker never stored. */
  readonly opens: number;
  /** Calls that failed since the owner created the breaker; null when the snapshot lacks it. */
  readonly failures: number | null;
  /** Calls let through, and calls refused, likewise from the snapshot. */
  readonly calls: number | null;
  readonly rejected: number | null;
  /** For an open or half-open breaker: when it last opened. */
  readonly openedAt: number | null;
  /** For an open breaker: when it half-opens. */
  readonly openUntil: number | null;
  /** When it last changed, or null for one that never has. */
  readonly changedAt: number | null;
}

/** One recorded state change of a breaker. */
export interface BreakerChange {
  /** Its `breaker_events` id: the `before` cursor of the next page. */
  readonly id: number;
  readonly from: string | null;
  readonly to: string;
  readonly at: number;
  readonly openUntil: number | null;
  readonly cause: unknown;
}

interface BreakerRow {
  name: string;
  state: string;
  opens: number;
  open_until: number | null;
  changed_at: number;
  opened_at: number | null;
}

interface EventRow {
  id: number;
  from_state: string | null;
  to_state: string;
  at: number;
  open_until: number | null;
  cause: string | null;
}

/** The last open of an open or half-open breaker: a step or two back along breaker_events_name. */
const rowColumns = `b.name, b.state, b.opens, b.open_until, b.changed_at,
  CASE WHEN b.state IN ('open', 'half-open') THEN
    (SELECT e.at FROM breaker_events e WHERE e.name = b.name AND e.to_state = 'open'
     ORDER BY e.id DESC LIMIT 1)
  END AS opened_at`;

function prepare(db: Database.Database) {
  return {
    all: db.prepare<[], BreakerRow>(`SELECT ${rowColumns} FROM breakers b ORDER BY b.name`),
    one: db.prepare<[string], BreakerRow>(`SELECT ${rowColumns} FROM breakers b WHERE b.name = ?`),
    // Newest first along breaker_events_name (name, id): at most `limit` index steps.
    history: db.prepare<[string, number, number], EventRow>(
      `SELECT id, from_state, to_state, at, open_until, cause FROM breaker_events
       WHERE name = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    ),
  };
}

const sqlOf = perConnection(prepare);

/** A breaker as the owner's snapshot lists it (`{ name, state, stats }`). */
interface LiveBreaker {
  readonly name: string;
  readonly state: string;
  readonly stats?: {
    readonly failures?: number;
    readonly calls?: number;
    readonly rejected?: number;
    readonly lastChange?: { readonly to?: string; readonly at?: number } | null;
  };
}

/** The snapshot's breakers by name, with the time it was published. */
function liveBreakers(db: Database.Database): {
  at: number | null;
  byName: Map<string, LiveBreaker>;
} {
  const snapshot = readSnapshot(db, 'breakers');
  const byName = new Map<string, LiveBreaker>();
  if (Array.isArray(snapshot?.body)) {
    for (const entry of snapshot.body as LiveBreaker[]) {
      if (typeof entry?.name === 'string' && typeof entry.state === 'string') {
        byName.set(entry.name, entry);
      }
    }
  }
  return { at: snapshot?.at ?? null, byName };
}

const count = (value: unknown): number | null => (typeof value === 'number' ? value : null);

function merge(name: string, row: BreakerRow | undefined, live: LiveBreaker | undefined) {
  const stats = live?.stats;
  const lastChange = stats?.lastChange ?? null;
  const state = row?.state ?? live?.state ?? 'closed';
  const openedAt =
    row?.opened_at ?? (state === 'open' && lastChange?.to === 'open' ? count(lastChange.at) : null);
  return {
    name,
    state,
    opens: row?.opens ?? 0,
    failures: count(stats?.failures),
    calls: count(stats?.calls),
    rejected: count(stats?.rejected),
    openedAt,
    openUntil: state === 'open' ? (row?.open_until ?? null) : null,
    changedAt: row?.changed_at ?? count(lastChange?.at),
  } satisfies BreakerNow;
}

/**
 * `GET api/breaker-states`: every breaker, stored or only in the owner's snapshot (one that never
 * changed has no row yet), by name. Reads the `breakers` table (one row per breaker) and the
 * snapshot; the opened-at of an open breaker is one step back along `breaker_events_name`.
 */
export function breakerList(
  db: Database.Database,
  query: URLSearchParams,
): { at: number | null; breakers: BreakerNow[] } {
  checkQuery(query);
  const { at, byName } = liveBreakers(db);
  const rows = new Map(
    sqlOf(db)
      .all.all()
      .map((row) => [row.name, row]),
  );
  const names = [...new Set([...rows.keys(), ...byName.keys()])].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return { at, breakers: names.map((name) => merge(name, rows.get(name), byName.get(name))) };
}

/** The most history entries one request gives. */
export const maxBreakerHistory = 500;

/**
 * `GET api/breakers/:name?limit=&before=`: the breaker now and its state changes, newest first,
 * at most `limit` (50 unless given, up to 500) with ids below `before`; `next` is the cursor of
 * the page after, or null at the first change. A name neither the table nor the snapshot knows
 * is `ActorNotFoundError` for its actor id (`breaker:<name>`): a 404.
 */
export function breakerDetail(
  db: Database.Database,
  encodedName: string,
  query: URLSearchParams,
): { at: number | null; breaker: BreakerNow; history: BreakerChange[]; next: number | null } {
  checkQuery(query, ['limit', 'before']);
  const name = segment('name', encodedName, 'a breaker name');
  const limitText = query.get('limit');
  const beforeText = query.get('before');
  const limit = limitText === null ? 50 : wholeNumber('limit', limitText, 1, maxBreakerHistory);
  const before =
    beforeText === null
      ? Number.MAX_SAFE_INTEGER
      : wholeNumber('before', beforeText, 1, Number.MAX_SAFE_INTEGER);
  const sql = sqlOf(db);
  const { at, byName } = liveBreakers(db);
  const row = sql.one.get(name);
  const live = byName.get(name);
  if (row === undefined && live === undefined) throw new ActorNotFoundError(breakerIdPrefix + name);
  const rows = sql.history.all(name, before, limit + 1);
  const history = rows.slice(0, limit).map((event): BreakerChange => ({
    id: event.id,
    from: event.from_state,
    to: event.to_state,
    at: event.at,
    openUntil: event.open_until,
    cause: event.cause === null ? null : (JSON.parse(event.cause) as unknown),
  }));
  const next = rows.length > limit ? (history[history.length - 1]?.id ?? null) : null;
  return { at, breaker: merge(name, row, live), history, next };
}

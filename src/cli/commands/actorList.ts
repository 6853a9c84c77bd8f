import type Database from 'better-sqlite3';
import type { SerializedError } from '../../errors.js';
import type { TreeNode } from '../../supervisor/supervision.js';
import { cell, formatTime, table } from '../output.js';

/** One actor of `actors list`, from the live tree or from the file's records. */
export interface ActorRow {
  readonly id: string;
  readonly kind: string;
  /** The supervisor above it; null for the root. */
  readonly supervisor: string | null;
  /** Its depth in the tree: 0 for the root (and, in the records, for an actor whose supervisor has none). */
  readonly depth: number;
  /** Its machine state (live), or its last recorded lifecycle event (`started`, `dead`...). */
  readonly state: string;
  readonly restarts: number;
  /** From the records: when its last event was written. */
  readonly at: number | null;
  readonly lastError: SerializedError | null;
}

/** The live tree, depth first in start order, as rows. */
export function treeRows(root: TreeNode): ActorRow[] {
  const rows: ActorRow[] = [];
  const walk = (node: TreeNode, supervisor: string | null, depth: number): void => {
    rows.push({
      id: node.id,
      kind: node.kind,
      supervisor,
      depth,
      state: node.stoppedByHand === true ? `${node.state} (stopped by hand)` : node.state,
      restarts: node.restarts,
      at: null,
      lastError: node.lastError ?? null,
    });
    for (const child of node.children ?? []) walk(child, node.id, depth + 1);
  };
  walk(root, null, 0);
  return rows;
}

interface ActorEventRow {
  actor_id: string;
  supervisor_id: string | null;
  kind: string;
  reason: string | null;
  at: number;
  restarts: number;
  error: string | null;
  dead_kind: string | null;
  last_error: string | null;
}

/**
 * Every actor the file has records of, with its last lifecycle event (the latest per actor, one
 * index probe each); a dead-lettered one shows `dead` and its kind from `dead_actors`.
 */
export function recordedActors(db: Database.Database): ActorRow[] {
  const rows = db
    .prepare<[], ActorEventRow>(
      `SELECT e.actor_id, e.supervisor_id, e.kind, e.reason, e.at, e.restarts, e.error,
         d.kind AS dead_kind,
         (SELECT error FROM actor_events x WHERE x.actor_id = e.actor_id AND x.error IS NOT NULL
          ORDER BY id DESC LIMIT 1) AS last_error
       FROM actor_events e LEFT JOIN dead_actors d ON d.actor_id = e.actor_id
       WHERE e.id IN (SELECT max(id) FROM actor_events GROUP BY actor_id)
       ORDER BY e.actor_id`,
    )
    .all();
  const supervisors = new Set(rows.map((row) => row.supervisor_id));
  const flat = rows.map((row) => ({
    id: row.actor_id,
    kind: row.dead_kind ?? (supervisors.has(row.actor_id) ? 'supervisor' : 'worker'),
    supervisor: row.supervisor_id,
    depth: 0,
    state:
      row.dead_kind !== null
        ? 'dead'
        : row.reason === null
          ? row.kind
          : `${row.kind} (${row.reason})`,
    restarts: row.restarts,
    at: row.at,
    lastError: row.last_error === null ? null : (JSON.parse(row.last_error) as SerializedError),
  }));
  return inTreeOrder(flat);
}

/** Rows ordered as their tree, depth first, each with its depth; orphans start trees of their own. */
function inTreeOrder(rows: readonly ActorRow[]): ActorRow[] {
  const ids = new Set(rows.map((row) => row.id));
  const children = new Map<string | null, ActorRow[]>();
  for (const row of rows) {
    const parent = row.supervisor !== null && ids.has(row.supervisor) ? row.supervisor : null;
    children.set(parent, [...(children.get(parent) ?? []), row]);
  }
  const ordered: ActorRow[] = [];
  const walk = (parent: string | null, depth: number): void => {
    for (const row of children.get(parent) ?? []) {
      ordered.push({ ...row, depth });
      walk(row.id, depth + 1);
    }
  };
  walk(null, 0);
  const placed = new Set(ordered.map((row) => row.id));
  return [...ordered, ...rows.filter((row) => !placed.has(row.id))];
}

/** The table of `actors list`; live rows are indented by depth. */
export function actorsTable(rows: readonly ActorRow[], live: boolean): string {
  const errorOf = (row: ActorRow): string =>
    row.lastError === null
      ? ''
      : `${row.lastError.code ?? row.lastError.name}: ${row.lastError.message}`;
  const text = table(
    [
      { header: 'ACTOR' },
      { header: 'KIND' },
      { header: 'STATE' },
      { header: 'RESTARTS', right: true },
      { header: 'SUPERVISOR' },
      ...(live ? [] : [{ header: 'LAST EVENT (UTC)' }]),
      { header: 'LAST ERROR' },
    ],
    rows.map((row) => [
      `${'  '.repeat(row.depth)}${row.id}`,
      row.kind,
      row.state,
      String(row.restarts),
      row.supervisor ?? '',
      ...(live ? [] : [formatTime(row.at)]),
      cell(errorOf(row), 70),
    ]),
  );
  return `${text}(${rows.length} actor${rows.length === 1 ? '' : 's'})\n`;
}

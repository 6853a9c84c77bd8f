import type Database from 'better-sqlite3';
import {
  builtInMachineNames,
  builtInMachines,
  isBuiltInMachineName,
  toDot,
  type BuiltInMachineName,
} from '../charts/index.js';
import { allStates, chartModel } from '../charts/chartModel.js';
import { chartLayout } from '../charts/chartLayout.js';
import { InvalidOptionError } from '../errors.js';
import { countJobs } from '../persistence/sqlite/countJobs.js';
import { checkQuery, segment } from './requests.js';
import { readSnapshot } from '../persistence/sqlite/snapshots.js';

/** One state of a built-in machine, as the page finds it in the SVG Graphviz draws. */
export interface ChartStateEntry {
  /** The machine's name for it: a job status, a breaker state (`half-open`), `running.attempt`. */
  readonly state: string;
  /** The `<title>` of its node (or `cluster_<name>` for a compound state's cluster) in the SVG. */
  readonly title: string;
  /** Its text in the drawing: the state's own key. */
  readonly label: string;
  /** True for a compound state, drawn as a cluster around its children. */
  readonly cluster: boolean;
}

/** Where a machine's live counts come from. */
export type ChartCountSource = 'job_counts' | 'tree' | 'breakers' | 'pools';

/** A built-in machine with how many of its actors are in each state now. */
export interface ChartCounts {
  readonly name: BuiltInMachineName;
  readonly states: readonly ChartStateEntry[];
  /** Actors per state (by `state`); a state nothing counts (a job's `new`) is left out. */
  readonly counts: Readonly<Record<string, number>>;
  readonly source: ChartCountSource;
  /** When the owner published the snapshot the counts come from; null for a table read or none. */
  readonly at: number | null;
}

/** A machine's counts with its Graphviz DOT, for drawing it once. */
export interface MachineChart extends ChartCounts {
  readonly dot: string;
}

interface Drawing {
  readonly dot: string;
  readonly states: readonly ChartStateEntry[];
}

/** Each machine's DOT and states, made once: the machines never change. */
const drawings = new Map<BuiltInMachineName, Drawing>();

function drawingOf(name: BuiltInMachineName): Drawing {
  let found = drawings.get(name);
  if (found === undefined) {
    const machine = builtInMachines[name];
    const layout = chartLayout(chartModel(machine));
    const states = allStates(layout.model.root)
      .slice(1)
      .filter((state) => state.type !== 'history')
      .map((state): ChartStateEntry => {
        const cluster = state.children.length > 0;
        const title = layout.nameOf.get(state.id) ?? state.key;
        return {
          state: state.path.join('.'),
          title: cluster ? `cluster_${title}` : title,
          label: state.key,
          cluster,
        };
      });
    found = { dot: toDot(machine), states };
    drawings.set(name, found);
  }
  return found;
}

/** A snapshot tree node as the counts read it (the owner's `warden.tree()`). */
interface TreeNodeShape {
  readonly kind?: unknown;
  readonly state?: unknown;
  readonly children?: unknown;
}

function isNode(value: unknown): value is TreeNodeShape {
  return typeof value === 'object' && value !== null;
}

/** Tallies `state` of every node of the tree of `kind`. */
function tallyTree(node: unknown, kind: 'supervisor' | 'worker', into: Map<string, number>): void {
  if (!isNode(node)) return;
  if (node.kind === kind && typeof node.state === 'string') {
    into.set(node.state, (into.get(node.state) ?? 0) + 1);
  }
  if (Array.isArray(node.children)) for (const child of node.children) tallyTree(child, kind, into);
}

/** Tallies every slot's state from the pools snapshot (`[{ name, stats: { resources } }]`). */
function tallySlots(pools: unknown, into: Map<string, number>): void {
  if (!Array.isArray(pools)) return;
  for (const pool of pools as { stats?: { resources?: unknown } }[]) {
    const resources = pool?.stats?.resources;
    if (!Array.isArray(resources)) continue;
    for (const resource of resources as { state?: unknown }[]) {
      if (typeof resource?.state === 'string') {
        into.set(resource.state, (into.get(resource.state) ?? 0) + 1);
      }
    }
  }
}

const breakerRows = new WeakMap<
  Database.Database,
  Database.Statement<[], { name: string; state: string }>
>();

/**
 * Breakers by state: each breaker in the `breakers` table (one row per breaker, written on every
 * change, so a short read and the freshest state) or in the owner's `breakers` snapshot (which
 * also lists the breakers that never changed, and so have no row yet).
 */
function tallyBreakers(db: Database.Database, into: Map<string, number>): number | null {
  let select = breakerRows.get(db);
  if (select === undefined) {
    select = db.prepare('SELECT name, state FROM breakers');
    breakerRows.set(db, select);
  }
  const states = new Map<string, string>();
  const snapshot = readSnapshot(db, 'breakers');
  if (Array.isArray(snapshot?.body)) {
    for (const breaker of snapshot.body as { name?: unknown; state?: unknown }[]) {
      if (typeof breaker?.name === 'string' && typeof breaker.state === 'string') {
        states.set(breaker.name, breaker.state);
      }
    }
  }
  for (const row of select.all()) states.set(row.name, row.state);
  for (const state of states.values()) into.set(state, (into.get(state) ?? 0) + 1);
  return snapshot?.at ?? null;
}

/**
 * States no source lists actors in: a job is never stored `new`, and a slot leaves its pool's
 * list once `destroyed`. They get no figure rather than a 0 that would not be true.
 */
const uncounted: Readonly<Record<BuiltInMachineName, ReadonlySet<string>>> = {
  job: new Set(['new']),
  slot: new Set(['destroyed']),
  breaker: new Set(),
  supervisor: new Set(),
  actor: new Set(),
};

/** Where each machine is counted from, and the counts by state with the snapshot's time. */
function tally(
  db: Database.Database,
  name: BuiltInMachineName,
): { source: ChartCountSource; at: number | null; found: Map<string, number> } {
  const found = new Map<string, number>();
  switch (name) {
    case 'job':
      for (const [status, n] of Object.entries(countJobs(db))) found.set(status, n);
      return { source: 'job_counts', at: null, found };
    case 'breaker': {
      const at = tallyBreakers(db, found);
      return { source: 'breakers', at, found };
    }
    case 'slot': {
      const snapshot = readSnapshot(db, 'pools');
      tallySlots(snapshot?.body, found);
      return { source: 'pools', at: snapshot?.at ?? null, found };
    }
    case 'actor':
    case 'supervisor': {
      const snapshot = readSnapshot(db, 'tree');
      tallyTree(snapshot?.body, name === 'actor' ? 'worker' : 'supervisor', found);
      return { source: 'tree', at: snapshot?.at ?? null, found };
    }
  }
}

/**
 * The live counts of one built-in machine: jobs from `job_counts` (kept counts), actors and
 * supervisors from the owner's `tree` snapshot, slots from its `pools` snapshot, breakers from
 * the `breakers` table and snapshot. Every top-level state gets a figure (0 when none is in it) but those in
 * `uncounted`; a state the source cannot tell apart (a job's `running.attempt` from
 * `running.fallback`: both are `running`) gets none.
 */
export function chartCounts(db: Database.Database, name: BuiltInMachineName): ChartCounts {
  const { states } = drawingOf(name);
  const { source, at, found } = tally(db, name);
  const counts: Record<string, number> = {};
  for (const { state } of states) {
    if (!state.includes('.') && !uncounted[name].has(state)) counts[state] = found.get(state) ?? 0;
  }
  return { name, states, counts, source, at };
}

/** `GET api/charts`: every built-in machine with its live counts (no DOT: fetch it once). */
export function chartList(
  db: Database.Database,
  query: URLSearchParams,
): { machines: ChartCounts[] } {
  checkQuery(query);
  return { machines: builtInMachineNames.map((name) => chartCounts(db, name)) };
}

/** `GET api/charts/:name`: one machine's DOT, states and live counts; an unknown name is a 400. */
export function machineChart(
  db: Database.Database,
  encodedName: string,
  query: URLSearchParams,
): MachineChart {
  checkQuery(query);
  const name = segment('machine', encodedName, 'a machine name');
  if (!isBuiltInMachineName(name)) {
    const names = builtInMachineNames.map((known) => `\`${known}\``).join(', ');
    throw new InvalidOptionError('machine', `one of ${names}`, name);
  }
  return { ...chartCounts(db, name), dot: drawingOf(name).dot };
}

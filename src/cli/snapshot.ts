import type Database from 'better-sqlite3';
import type { Command } from 'commander';
import type { Clock } from '../clock.js';
import type { CliContext, GlobalOptions } from './context.js';
import { readSnapshot, type RuntimeSnapshot } from '../persistence/sqlite/snapshots.js';
import { wholeNumber } from './options.js';
import { formatDuration, formatTime, json } from './output.js';
import { ownerOf, type OwnerView } from './owner.js';

/**
 * How old a snapshot may be and still count as the live owner's state, by default: five times the
 * owner's default `snapshotIntervalMs` (1000), so that a busy owner that is a round or two late
 * is not reported gone.
 */
export const defaultMaxAgeMs = 5000;

/** `--max-age`: how old a snapshot may be, in milliseconds. */
export function parseMaxAge(text: string): number {
  return wholeNumber('--max-age', text, 1, 86_400_000);
}

/** Adds subcommand `name` of `parent`, which reads a snapshot: with its `--max-age` option. */
export function snapshotCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .option('--max-age <ms>', 'the oldest snapshot taken as live', parseMaxAge, defaultMaxAgeMs);
}

/** A snapshot the owner published, and whether it is the live owner's current state. */
export interface SnapshotView {
  /** The row, or undefined when none was ever published under that name. */
  readonly snapshot: RuntimeSnapshot | undefined;
  readonly owner: OwnerView;
  /** How old the snapshot is (ms), or null without one. */
  readonly ageMs: number | null;
  /** True when the live owner wrote it (its token), at most `maxAgeMs` ago. */
  readonly fresh: boolean;
  /** For people: why it is not fresh (or whose state it is). */
  readonly note: string;
}

/** Why a snapshot is not the live owner's current state, or null when it is. */
function staleness(
  name: string,
  snapshot: RuntimeSnapshot | undefined,
  owner: OwnerView,
  ageMs: number | null,
  maxAgeMs: number,
): string | null {
  if (!owner.live) return `no live owner: ${owner.description}`;
  if (snapshot === undefined || ageMs === null) {
    return `no live state: the owner has published no \`${name}\` snapshot`;
  }
  if (owner.owner !== null && snapshot.owner !== owner.owner.token) {
    return `no live state: the \`${name}\` snapshot was written by an earlier owner`;
  }
  if (ageMs > maxAgeMs) {
    return `no live state: the \`${name}\` snapshot is ${formatDuration(ageMs)} old (more than --max-age ${maxAgeMs} ms); the owner may be hung`;
  }
  return null;
}

/** The snapshot published under `name`, judged against the file's owner and `maxAgeMs`. */
export function snapshotView(
  db: Database.Database,
  name: string,
  clock: Clock,
  maxAgeMs: number,
): SnapshotView {
  const snapshot = readSnapshot(db, name);
  const owner = ownerOf(db, clock);
  const ageMs = snapshot === undefined ? null : Math.max(0, clock.now() - snapshot.at);
  const stale = staleness(name, snapshot, owner, ageMs, maxAgeMs);
  return {
    snapshot,
    owner,
    ageMs,
    fresh: stale === null,
    note: stale ?? `live: ${owner.description}, as of ${formatDuration(ageMs ?? 0)} ago`,
  };
}

/** The JSON form of a view's provenance, printed next to its body. */
export function provenance(view: SnapshotView): Record<string, unknown> {
  return {
    live: view.fresh,
    at: view.snapshot?.at ?? null,
    ageMs: view.ageMs,
    owner: view.owner.owner,
    note: view.note,
  };
}

/** When a stale snapshot was written, for the line above a last known state. */
export function lastKnown(view: SnapshotView): string {
  return `${formatTime(view.snapshot?.at)} UTC, ${formatDuration(view.ageMs ?? 0)} ago`;
}

/**
 * Prints a snapshot's body under `key`: as JSON with its provenance, or through `render` for
 * people; one that is not the live owner's current state is introduced by why, and shown as the
 * last known state (or not at all, when none was ever published).
 */
export function printSnapshot(
  ctx: CliContext,
  globals: GlobalOptions,
  view: SnapshotView,
  key: string,
  render: (body: never) => string,
): void {
  const body = view.snapshot?.body;
  if (globals.json) {
    ctx.out(json({ ...provenance(view), [key]: body ?? null }));
    return;
  }
  if (!view.fresh) ctx.out(`${view.note}\n`);
  if (body === undefined) return;
  if (!view.fresh) ctx.out(`\nlast known state, published ${lastKnown(view)}:\n`);
  ctx.out(render(body as never));
}

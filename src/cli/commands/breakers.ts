import type Database from 'better-sqlite3';
import type { Command } from 'commander';
import type { BreakerState } from '../../machines/circuitBreakerMachine.js';
import type { CliContext } from '../context.js';
import { formatTime, json, table } from '../output.js';
import { defaultMaxAgeMs, snapshotView } from '../snapshot.js';

/** A breaker as the file records it: the state it resumes in, and its last change. */
export interface BreakerView {
  readonly name: string;
  readonly state: BreakerState;
  /** Opens since it last closed. */
  readonly opens: number;
  /** For `open`: when it half-opens (ms since the epoch). */
  readonly openUntil: number | null;
  /** When it last changed, or null for a breaker that never has (known from the live owner only). */
  readonly changedAt: number | null;
  /** Why it last changed (the trip rule and the window's counts, say), or null. */
  readonly cause: unknown;
}

/** A breaker as the live owner's `breakers` snapshot has it. */
interface LiveBreaker {
  readonly name: string;
  readonly state: BreakerState;
  readonly stats: { readonly opened: number; readonly lastChange: { readonly at: number } | null };
}

/**
 * The stored breakers, with those the live owner runs but the file has no row for yet (a breaker
 * is stored at its first change), in name order. `live` is the owner's fresh snapshot, if any.
 */
export function withLiveBreakers(
  stored: readonly BreakerView[],
  live: readonly LiveBreaker[] | undefined,
): BreakerView[] {
  const known = new Set(stored.map((b) => b.name));
  const added = (live ?? [])
    .filter((b) => !known.has(b.name))
    .map((b) => ({
      name: b.name,
      state: b.state,
      opens: b.stats.opened,
      openUntil: null,
      changedAt: b.stats.lastChange?.at ?? null,
      cause: null,
    }));
  return [...stored, ...added].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

interface BreakerRow {
  name: string;
  state: BreakerState;
  opens: number;
  open_until: number | null;
  changed_at: number;
  cause: string | null;
}

/** Every stored breaker by name, with the cause of its latest change. */
export function readBreakers(db: Database.Database): BreakerView[] {
  const rows = db
    .prepare<[], BreakerRow>(
      `SELECT b.name, b.state, b.opens, b.open_until, b.changed_at,
         (SELECT cause FROM breaker_events e WHERE e.name = b.name ORDER BY id DESC LIMIT 1) AS cause
       FROM breakers b ORDER BY b.name`,
    )
    .all();
  return rows.map((row) => ({
    name: row.name,
    state: row.state,
    opens: row.opens,
    openUntil: row.open_until,
    changedAt: row.changed_at,
    cause: row.cause === null ? null : (JSON.parse(row.cause) as unknown),
  }));
}

/** The table of breakers. */
export function breakersTable(breakers: readonly BreakerView[]): string {
  const text = table(
    [
      { header: 'NAME' },
      { header: 'STATE' },
      { header: 'OPENS', right: true },
      { header: 'OPEN UNTIL (UTC)' },
      { header: 'CHANGED (UTC)' },
    ],
    breakers.map((b) => [
      b.name,
      b.state,
      String(b.opens),
      formatTime(b.openUntil),
      formatTime(b.changedAt),
    ]),
  );
  return `${text}(${breakers.length} breaker${breakers.length === 1 ? '' : 's'})\n`;
}

/** Adds `breakers` to `program`. */
export function addBreakers(program: Command, ctx: CliContext): Command {
  return program
    .command('breakers')
    .description(
      'circuit breakers: the state each resumes in, and when it last changed (with those a live owner runs)',
    )
    .action((_options: unknown, command: Command) => {
      const globals = ctx.globals(command);
      const breakers = ctx.read(globals, (db) => {
        const live = snapshotView(db, 'breakers', ctx.io.clock, defaultMaxAgeMs);
        const body = live.fresh ? (live.snapshot?.body as LiveBreaker[] | undefined) : undefined;
        return withLiveBreakers(readBreakers(db), body);
      });
      ctx.out(globals.json ? json({ breakers }) : breakersTable(breakers));
    });
}

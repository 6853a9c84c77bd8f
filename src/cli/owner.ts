import type Database from 'better-sqlite3';
import type { Clock } from '../clock.js';
import { ownerQuery, toOwner, type OwnerRow } from '../persistence/sqlite/owner.js';
import type { OwnerRecord } from '../persistence/Store.js';
import { mayReplaceOwner, ownerDescription, thisProcess } from '../supervisor/ownership.js';

/** Who owns a database file, as the CLI sees it. */
export interface OwnerView {
  /** The owner row, or null when no Warden holds the file. */
  readonly owner: OwnerRecord | null;
  /** True when that owner is alive: its heartbeat is recent and, on this host, its process exists. */
  readonly live: boolean;
  /** One sentence for people: who owns it, or that nobody does. */
  readonly description: string;
}

/**
 * The file's owner and whether it is alive, by the rule a starting Warden applies: an owner the
 * CLI's process could not replace is alive.
 */
export function ownerOf(db: Database.Database, clock: Clock): OwnerView {
  const row = db.prepare<[], OwnerRow>(ownerQuery).get();
  if (row === undefined) {
    return { owner: null, live: false, description: 'no Warden owns the file' };
  }
  const owner = toOwner(row);
  const claimant = thisProcess(clock.now());
  const live = !mayReplaceOwner(owner, claimant);
  const who = ownerDescription(owner, claimant);
  return {
    owner,
    live,
    description: live ? `owned by ${who}` : `last owned by ${who}, which is gone`,
  };
}

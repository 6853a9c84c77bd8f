import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Clock, TimerHandle } from '../clock.js';
import { DatabaseError } from '../errors.js';
import type { OwnerRecord, OwnershipStore } from '../persistence/Store.js';

/** How often a running Warden says it is alive. */
export const ownerHeartbeatMs = 10_000;
/** An owner silent for longer than this is taken to be gone (or hung) and may be replaced. */
export const ownerStaleAfterMs = 60_000;

/** Tokens of the Wardens that own a database file in this process. */
const ownedHere = new Set<string>();

/** Whether a Linux `/proc/<pid>/stat` line describes a zombie: "pid (command) state ...". */
export function isZombieStat(stat: string): boolean {
  const end = stat.lastIndexOf(')');
  return end >= 0 && stat.slice(end + 2, end + 3) === 'Z';
}

/**
 * Whether a live process with this id exists on this host (EPERM: it exists, but is not ours). A
 * killed process whose parent has not yet reaped it (a zombie, on Linux) does not count.
 */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    return !isZombieStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch (error) {
    // ENOENT: gone since kill() looked; anything else (a hidden /proc): trust kill().
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** What `start()` knows about the process asking to own a file. */
export interface Claimant {
  readonly pid: number;
  readonly host: string;
  readonly now: number;
}

/**
 * Whether `current` may be replaced as the file's owner by `claimant`. A Warden in this process
 * never is; one that has been silent past `ownerStaleAfterMs` always is; otherwise only a
 * provably dead one is: on this host, a process that no longer exists, or a former process whose
 * id this one now has (a restarted container).
 */
export function mayReplaceOwner(
  current: OwnerRecord,
  claimant: Claimant,
  exists: (pid: number) => boolean = processExists,
): boolean {
  if (ownedHere.has(current.token)) return false;
  if (claimant.now - current.heartbeatAt > ownerStaleAfterMs) return true;
  if (current.host !== claimant.host) return false;
  if (current.pid === claimant.pid) return true;
  return !exists(current.pid);
}

/** The ownership of one database file by one Warden, kept alive by a heartbeat. */
export class FileOwnership {
  private readonly token = randomUUID();
  private timer: TimerHandle | undefined;
  private held = false;

  constructor(
    private readonly store: OwnershipStore,
    private readonly clock: Clock,
    private readonly filename: string,
    /** Called once if another process has taken the file over. */
    private readonly onLost: (error: DatabaseError) => void,
  ) {}

  /** Takes the file, or throws `DatabaseError` (`DATABASE_IN_USE`) naming its live owner. */
  acquire(): void {
    const now = this.clock.now();
    const claimant: Claimant = { pid: process.pid, host: hostname(), now };
    const owner = this.store.claimOwnership(
      {
        token: this.token,
        pid: claimant.pid,
        host: claimant.host,
        startedAt: now,
        heartbeatAt: now,
      },
      (current) => mayReplaceOwner(current, claimant),
    );
    if (owner !== undefined) {
      const where =
        owner.host === claimant.host
          ? owner.pid === claimant.pid
            ? 'another Warden in this process'
            : `process ${owner.pid}`
          : `process ${owner.pid} on host ${owner.host}`;
      throw new DatabaseError(
        'DATABASE_IN_USE',
        `\`${this.filename}\` is in use by ${where} (its last heartbeat was ${now - owner.heartbeatAt} ms ago); one Warden owns a database file at a time, and the file was left untouched`,
      );
    }
    this.held = true;
    ownedHere.add(this.token);
    this.arm();
  }

  /** Stops the heartbeat and gives the file up. */
  release(): void {
    this.disarm();
    if (!this.held) return;
    this.held = false;
    ownedHere.delete(this.token);
    this.store.releaseOwnership(this.token);
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.beat();
    }, ownerHeartbeatMs);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    let renewed: boolean;
    try {
      renewed = this.store.renewOwnership(this.token, this.clock.now());
    } catch {
      // A busy or failing database: try again at the next beat; the owner row is still ours.
      this.arm();
      return;
    }
    if (renewed) {
      this.arm();
      return;
    }
    this.held = false;
    ownedHere.delete(this.token);
    this.onLost(
      new DatabaseError(
        'DATABASE_IN_USE',
        `another process has taken \`${this.filename}\` over (this Warden was silent for over ${ownerStaleAfterMs} ms); this Warden stops`,
      ),
    );
  }
}

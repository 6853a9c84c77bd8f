import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { realClock, type Clock, type TimerHandle, trackWork } from '../clock.js';
import { DatabaseInUseError, type DatabaseError } from '../errors.js';
import type { OwnerRecord, OwnershipStore } from '../persistence/Store.js';

/** How often a running Warden says it is alive. */
export const ownerHeartbeatMs = 10_000;
/** An owner silent for longer than this is taken to be gone (or hung) and may be replaced. */
export const ownerStaleAfterMs = 60_000;

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

/** When this process started, by the wall clock; the same in every thread of the process. */
const processStartedAt = Math.round(realClock.now() - process.uptime() * 1000);
/** Two readings of one process's start time differ by rounding only. */
const sameProcessWithinMs = 100;

/** What `start()` knows about the process asking to own a file. */
/** This process as a claimant of a file, at `now`. */
export function thisProcess(now: number): Claimant {
  return { pid: process.pid, host: hostname(), processStartedAt, now };
}

export interface Claimant {
  readonly pid: number;
  readonly host: string;
  readonly processStartedAt: number;
  readonly now: number;
}

/**
 * Whether `current` may be replaced as the file's owner by `claimant`. A live Warden of this very
 * process (another instance, another worker thread) never is; one silent past `ownerStaleAfterMs`
 * always is; otherwise only a provably gone one is: a former process that had this pid (a
 * restarted container), or a process on this host that no longer exists.
 */
export function mayReplaceOwner(
  current: OwnerRecord,
  claimant: Claimant,
  exists: (pid: number) => boolean = processExists,
): boolean {
  const stale = claimant.now - current.heartbeatAt > ownerStaleAfterMs;
  if (current.host === claimant.host && current.pid === claimant.pid) {
    const sameProcess =
      Math.abs(current.processStartedAt - claimant.processStartedAt) <= sameProcessWithinMs;
    return !sameProcess || stale;
  }
  if (stale) return true;
  if (current.host !== claimant.host) return false;
  return !exists(current.pid);
}

/**
 * Who owns the file, host included, and when it last said it was alive. A heartbeat stamped
 * ahead of the claimant's clock (clocks that disagree, across hosts) is said so, never given as
 * a negative age.
 */
export function ownerDescription(owner: OwnerRecord, claimant: Claimant): string {
  const where = `process ${owner.pid} on host ${owner.host}`;
  const who =
    owner.host !== claimant.host
      ? where
      : owner.pid === claimant.pid
        ? `another Warden in this process (${where})`
        : `${where} (this host)`;
  const age = claimant.now - owner.heartbeatAt;
  const heartbeat =
    age >= 0
      ? `its last heartbeat was ${age} ms ago`
      : `its last heartbeat is stamped ${-age} ms ahead of this Warden's clock: the two clocks disagree`;
  return `${who} (${heartbeat})`;
}

/** The ownership of one database file by one Warden, kept alive by a heartbeat. */
export class FileOwnership {
  readonly token = randomUUID();
  private timer: TimerHandle | undefined;
  private held = false;
  private lostReported = false;

  constructor(
    private readonly store: OwnershipStore,
    private readonly clock: Clock,
    private readonly filename: string,
    /** Called once if another process has taken the file over. */
    private readonly onLost: (error: DatabaseError) => void,
  ) {}

  /** Opens the store as the file's owner, or throws `DatabaseError` (`DATABASE_IN_USE`). */
  open(): void {
    const now = this.clock.now();
    const claimant = thisProcess(now);
    this.lostReported = false;
    this.store.open({
      owner: {
        token: this.token,
        pid: claimant.pid,
        host: claimant.host,
        processStartedAt,
        startedAt: now,
        heartbeatAt: now,
      },
      mayReplace: (current) => mayReplaceOwner(current, claimant),
      refused: (current) => this.refused(current, claimant),
      lost: () => this.lost(),
    });
    this.held = true;
    this.arm();
  }

  /** Stops the heartbeat and gives the file up (if it is still this Warden's). */
  release(): void {
    this.disarm();
    if (!this.held) return;
    this.held = false;
    this.store.releaseOwnership(this.token);
  }

  private refused(owner: OwnerRecord, claimant: Claimant): DatabaseError {
    return new DatabaseInUseError(
      `\`${this.filename}\` is in use by ${ownerDescription(owner, claimant)}; one Warden owns a database file at a time, and the file was left untouched`,
    );
  }

  /** The file is no longer ours: stop beating, and report it once. */
  private lost(): DatabaseError {
    this.disarm();
    this.held = false;
    const error = new DatabaseInUseError(
      `another process has taken \`${this.filename}\` over (this Warden was silent for over ${ownerStaleAfterMs} ms); this Warden stops writing to it`,
    );
    if (!this.lostReported) {
      this.lostReported = true;
      this.onLost(error);
    }
    return error;
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
    // Sent to the writer without waiting for it: a busy writer never holds this thread up.
    trackWork(this.store.renewOwnership(this.token, this.clock.now())).then(
      (renewed) => {
        if (!this.held) return;
        if (renewed) this.arm();
        else this.lost();
      },
      () => {
        // A busy or failing database: try again at the next beat; the owner row is still ours.
        if (this.held) this.arm();
      },
    );
  }
}

/** The most occurrences (or samples) a window keeps; older ones are forgotten first. */
export const windowCapacity = 1024;

/**
 * A ring of the last `windowCapacity` values with their times, for counts and percentiles over a
 * recent window; fixed memory whatever the rate.
 */
class TimedRing {
  protected readonly at = new Float64Array(windowCapacity);
  protected readonly values = new Float64Array(windowCapacity);
  /** Values pushed since creation; the ring holds the last `windowCapacity` of them. */
  protected pushed = 0;

  protected push(at: number, value: number): void {
    const slot = this.pushed % windowCapacity;
    this.at[slot] = at;
    this.values[slot] = value;
    this.pushed++;
  }

  /** The values pushed after `since`, oldest first. */
  protected since(since: number): number[] {
    const kept = Math.min(this.pushed, windowCapacity);
    const found: number[] = [];
    for (let i = this.pushed - kept; i < this.pushed; i++) {
      const slot = i % windowCapacity;
      if ((this.at[slot] ?? 0) > since) found.push(this.values[slot] ?? 0);
    }
    return found;
  }
}

/** Occurrences of something (an escalation, a dead letter, a stall) counted over a recent window. */
export class EventWindow extends TimedRing {
  /** Occurrences since creation. */
  get total(): number {
    return this.pushed;
  }

  record(at: number): void {
    this.push(at, 1);
  }

  /** Occurrences within the `windowMs` up to `now`, the window's start left out (at most `windowCapacity`). */
  count(now: number, windowMs: number): number {
    return this.since(now - windowMs).length;
  }
}

/** A recent window's latency figures. */
export interface LatencySummary {
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly samples: number;
  /** Operations still in flight. */
  readonly pending: number;
  /** How long the oldest operation still in flight has waited; 0 when none is. */
  readonly pendingMs: number;
}

/**
 * How long group commits take: each commit's latency from its send to its answer, and the
 * commits still in flight (a commit that hangs shows before it ends).
 */
export class CommitLatency extends TimedRing {
  private readonly inFlight = new Map<number, number>();
  private nextId = 0;

  /** A commit was sent at `now`; returns the token to end it with. */
  begin(now: number): number {
    const id = this.nextId++;
    this.inFlight.set(id, now);
    return id;
  }

  /** The commit `id` was answered (committed or refused) at `now`. */
  end(id: number, now: number): void {
    const started = this.inFlight.get(id);
    if (started === undefined) return;
    this.inFlight.delete(id);
    this.push(now, Math.max(0, now - started));
  }

  /** The commits answered within the `windowMs` before `now`, and those in flight. */
  summary(now: number, windowMs: number): LatencySummary {
    const samples = this.since(now - windowMs).sort((a, b) => a - b);
    let oldest = now;
    for (const started of this.inFlight.values()) oldest = Math.min(oldest, started);
    return {
      p99Ms: percentile(samples, 0.99),
      maxMs: samples.at(-1) ?? 0,
      samples: samples.length,
      pending: this.inFlight.size,
      pendingMs: now - oldest,
    };
  }
}

/** The nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] ?? 0;
}

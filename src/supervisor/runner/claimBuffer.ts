import type { CallGate } from '../../actors/callPermit.js';
import type { ClaimRoom, ClaimedJob } from '../../persistence/Store.js';
import type { ResolvedJobDefinition } from '../../actors/jobDefinition.js';

/** How many jobs a type may hold claimed or running, per job of its concurrency. */
export const claimsPerSlot = 4;

const better = (a: ClaimedJob, b: ClaimedJob): number =>
  b.priority - a.priority || Number(a.id) - Number(b.id);

/** What the buffer needs to know of the runner's slots. */
export interface Slots {
  readonly concurrency: number;
  readonly claimDepth: number;
  readonly definitions: ReadonlyMap<string, ResolvedJobDefinition>;
  running(): number;
  runningOf(type: string): number;
  gate(type: string): CallGate | undefined;
  /** Job types paused with `pauseJobType`: never claimed, never held. */
  readonly paused?: ReadonlySet<string>;
}

/**
 * Jobs this process claimed and has not started yet, best first (priority, then age): a slot
 * that frees takes the best one whose type has room, without waiting for a commit.
 */
export class ClaimBuffer {
  private held: ClaimedJob[] = [];
  private readonly heldByType = new Map<string, number>();
  /** Room taken by claims sent and not answered yet, in all and per type. */
  private pending = 0;
  private readonly pendingByType = new Map<string, number>();

  constructor(private readonly slots: Slots) {}

  get size(): number {
    return this.held.length;
  }

  /**
   * Adds newly claimed jobs in order; returns those of a type paused since their claim was sent,
   * which the caller gives back to the queue.
   */
  add(claimed: readonly ClaimedJob[]): ClaimedJob[] {
    const paused = this.slots.paused;
    const refused =
      paused === undefined || paused.size === 0 ? [] : claimed.filter((j) => paused.has(j.type));
    const jobs = refused.length === 0 ? claimed : claimed.filter((j) => !paused?.has(j.type));
    if (jobs.length === 0) return refused;
    for (const job of jobs) this.count(job.type, 1);
    const sorted = this.held.length === 0;
    this.held.push(...jobs);
    if (!sorted) this.held.sort(better);
    return refused;
  }

  /** Takes the best held job that `admit` lets start now (its type's slots and breaker). */
  take(admit: (job: ClaimedJob) => boolean): ClaimedJob | undefined {
    for (let index = 0; index < this.held.length; index++) {
      const job = this.held[index] as ClaimedJob;
      if (!admit(job)) continue;
      this.held.splice(index, 1);
      this.count(job.type, -1);
      return job;
    }
    return undefined;
  }

  /** Removes a held job (cancelled before it started); undefined when it is not held. */
  remove(id: string): ClaimedJob | undefined {
    const index = this.held.findIndex((job) => job.id === id);
    if (index < 0) return undefined;
    const [job] = this.held.splice(index, 1);
    if (job !== undefined) this.count(job.type, -1);
    return job;
  }

  /** Removes the held jobs that `drop` picks (every one by default), returning them. */
  drain(drop: (job: ClaimedJob) => boolean = () => true): ClaimedJob[] {
    const dropped = this.held.filter(drop);
    if (dropped.length === 0) return [];
    this.held = this.held.filter((job) => !drop(job));
    for (const job of dropped) this.count(job.type, -1);
    return dropped;
  }

  /**
   * The claim a batch should carry, if one is worth a commit: once a slot could use it, or a
   * good share of the depth is free. Its room is reserved; the returned function frees it.
   */
  claimFor(
    plan: { claim(limit: number, rooms: readonly ClaimRoom[]): void },
    skip?: ReadonlySet<string>,
  ): (() => void) | undefined {
    const { limit, rooms } = this.room(skip);
    const { concurrency, claimDepth } = this.slots;
    if (limit <= 0 || (this.claimedOrPending >= concurrency && limit * 4 < claimDepth)) {
      return undefined;
    }
    plan.claim(limit, rooms);
    this.reserve(limit, rooms);
    return () => {
      this.settled(limit, rooms);
    };
  }

  /** Reserves a claim's room until it is answered (`settled`), so claims in flight do not overlap. */
  reserve(limit: number, rooms: readonly ClaimRoom[]): void {
    this.pending += limit;
    for (const room of rooms) {
      this.pendingByType.set(room.type, (this.pendingByType.get(room.type) ?? 0) + room.limit);
    }
  }

  settled(limit: number, rooms: readonly ClaimRoom[]): void {
    this.pending -= limit;
    for (const room of rooms) {
      this.pendingByType.set(room.type, (this.pendingByType.get(room.type) ?? 0) - room.limit);
    }
  }

  /** Jobs held, and room reserved by claims in flight. */
  get claimedOrPending(): number {
    return this.held.length + this.pending;
  }

  /** How many more jobs a claim may take: in all, and per type (its slots and its breaker). */
  room(skip?: ReadonlySet<string>): {
    readonly limit: number;
    readonly rooms: readonly ClaimRoom[];
  } {
    const { slots } = this;
    const limit = slots.claimDepth - slots.running() - this.held.length - this.pending;
    if (limit <= 0) return { limit: 0, rooms: [] };
    const rooms: ClaimRoom[] = [];
    const gateRoom = new Map<CallGate, number>();
    for (const definition of slots.definitions.values()) {
      const { type } = definition;
      if (skip?.has(type) === true || slots.paused?.has(type) === true) continue;
      const held =
        slots.runningOf(type) +
        (this.heldByType.get(type) ?? 0) +
        (this.pendingByType.get(type) ?? 0);
      // A type holds its share of the claim depth: as much as its concurrency is of the whole.
      const share = Math.ceil(
        (slots.claimDepth * Math.min(definition.concurrency, slots.concurrency)) /
          slots.concurrency,
      );
      let room = share - held;
      const gate = definition.breaker === undefined ? undefined : slots.gate(type);
      if (gate !== undefined) {
        // Trial calls of a half-open breaker are few: claim no more than it will let through.
        const left =
          gateRoom.get(gate) ??
          gate.available() - (this.heldByType.get(type) ?? 0) - (this.pendingByType.get(type) ?? 0);
        room = Math.min(room, left);
        gateRoom.set(gate, left - Math.max(0, room));
      }
      if (room > 0) rooms.push({ type, limit: room });
    }
    const total = rooms.reduce((sum, r) => sum + r.limit, 0);
    return { limit: Math.min(limit, total), rooms };
  }

  private count(type: string, delta: number): void {
    this.heldByType.set(type, (this.heldByType.get(type) ?? 0) + delta);
  }
}

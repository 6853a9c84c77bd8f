import type Database from 'better-sqlite3';
import type { ClaimRoom, ClaimedJob } from '../Store.js';
import { toClaimed, type ClaimRow } from './rows.js';

interface Candidate {
  id: number;
  type: string;
  priority: number;
}

const idsPerUpdate = 100;

const better = (a: Candidate, b: Candidate): number => b.priority - a.priority || a.id - b.id;

/**
 * Claims queued jobs for this process (`queued → claimed`), best first (priority, then age), at
 * most `limit` in all and each type's room; the claim counts no attempt.
 */
export class JobClaims {
  private readonly candidates: Database.Statement<[string, number], Candidate>;
  private readonly ofType: Database.Statement<[string, number], Candidate>;
  private readonly updates = new Map<number, Database.Statement<number[], ClaimRow>>();

  constructor(private readonly db: Database.Database) {
    this.candidates = db.prepare(
      `SELECT id, type, priority FROM jobs INDEXED BY jobs_queued
       WHERE status = 'queued' AND type IN (SELECT value FROM json_each(?))
       ORDER BY priority DESC, id LIMIT ?`,
    );
    this.ofType = db.prepare(
      `SELECT id, type, priority FROM jobs INDEXED BY jobs_queued
       WHERE status = 'queued' AND type = ? ORDER BY priority DESC, id LIMIT ?`,
    );
  }

  apply(limit: number, rooms: readonly ClaimRoom[], at: number): ClaimedJob[] {
    const room = new Map<string, number>();
    for (const { type, limit: n } of rooms) if (n > 0) room.set(type, n);
    if (limit <= 0 || room.size === 0) return [];
    const picked: Candidate[] = [];
    const seen = new Set<number>();
    const take = (candidate: Candidate): void => {
      const left = room.get(candidate.type) ?? 0;
      if (left <= 0 || seen.has(candidate.id) || picked.length >= limit) return;
      room.set(candidate.type, left - 1);
      seen.add(candidate.id);
      picked.push(candidate);
    };
    // One pass over the queue in order; types whose room runs out are skipped.
    const scan = Math.min(1000, limit * 2);
    const first = this.candidates.all(JSON.stringify([...room.keys()]), scan);
    for (const candidate of first) take(candidate);
    if (picked.length < limit && first.length === scan) {
      // Saturated types filled the scan: look past them, type by type, and merge in order.
      const more: Candidate[] = [];
      for (const [type, left] of room) {
        if (left > 0) more.push(...this.ofType.all(type, left + limit));
      }
      more.sort(better);
      for (const candidate of more) take(candidate);
      picked.sort(better);
    }
    const rows: ClaimRow[] = [];
    for (let offset = 0; offset < picked.length; offset += idsPerUpdate) {
      const chunk = picked.slice(offset, offset + idsPerUpdate).map((c) => c.id);
      rows.push(...this.update(chunk.length).all(at, ...chunk));
    }
    // RETURNING comes in no particular order: keep the queue's.
    const order = new Map(picked.map((c, index) => [c.id, index]));
    rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    return rows.map(toClaimed);
  }

  private update(rows: number): Database.Statement<number[], ClaimRow> {
    let statement = this.updates.get(rows);
    if (statement === undefined) {
      statement = this.db.prepare(
        `UPDATE jobs SET status = 'claimed', version = version + 1, updated_at = ?,
           last_event = 'CLAIM', last_event_has_error = 0, fallback_by = NULL
         WHERE status = 'queued' AND id IN (${new Array<string>(rows).fill('?').join(', ')})
         RETURNING id, type, priority, payload, attempt, max_attempts, stalls, version, checkpoint,
           trace_parent, trace_state`,
      );
      this.updates.set(rows, statement);
    }
    return statement;
  }
}

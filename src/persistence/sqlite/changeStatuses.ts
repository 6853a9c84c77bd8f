import type Database from 'better-sqlite3';
import {
  InvalidTransitionError,
  JobNotFoundError,
  VersionConflictError,
  type WardenError,
} from '../../errors.js';
import { terminalJobStatuses, type JobStatus } from '../../machines/jobMachine.js';
import { jobTransitions } from '../../machines/jobTransitions.js';
import type { StatusChange } from '../Store.js';
import { rowId } from './rows.js';

const columns = 13;
/** Rows per UPDATE: SQLite binds at most 32,766 values, and big statements cost to prepare. */
const rowsPerUpdate = 50;

/**
 * The guards the UPDATE repeats from the job machine, on the row as it is: a change to
 * `retrying` needs an attempt left (a recovery from `claimed` counts the attempt it spends), and
 * a recovery to `dead` only spends the last one. `test/persistence/guardParity.test.ts` checks it against the machine over a grid.
 */
export const retryGuardSql = `(v.to_status <> 'retrying' OR
    jobs.attempt + (CASE WHEN v.event = 'RECOVER' THEN 1 ELSE 0 END) < jobs.max_attempts)
  AND (v.to_status <> 'dead' OR v.event <> 'RECOVER' OR jobs.attempt + 1 >= jobs.max_attempts)`;

function updateSql(rows: number): string {
  const tuple = `(${new Array<string>(columns).fill('?').join(', ')})`;
  return `WITH v (id, version, from_status, to_status, event, at, run_at, attempt, stalls, error, result, via_fallback, finished_at)
      AS (VALUES ${new Array<string>(rows).fill(tuple).join(', ')})
    UPDATE jobs SET status = v.to_status, version = jobs.version + 1, updated_at = v.at,
      run_at = coalesce(v.run_at, jobs.run_at),
      attempt = coalesce(v.attempt, jobs.attempt),
      stalls = coalesce(v.stalls, jobs.stalls),
      last_error = coalesce(v.error, jobs.last_error),
      result = coalesce(v.result, jobs.result),
      via_fallback = coalesce(v.via_fallback, jobs.via_fallback),
      started_at = CASE WHEN v.to_status = 'running' THEN v.at ELSE jobs.started_at END,
      fallback_by = CASE WHEN v.to_status = 'claimed' THEN NULL ELSE jobs.fallback_by END,
      finished_at = v.finished_at,
      last_event = v.event, last_event_has_error = v.error IS NOT NULL
    FROM v
    WHERE jobs.id = v.id AND jobs.version = v.version AND jobs.status = v.from_status
      AND ${retryGuardSql}
    RETURNING jobs.id AS id`;
}

type Statement = Database.Statement<[(string | number | null)[]], { id: number }>;

/** Version-checked status changes, many to an UPDATE; each is checked against the machine first. */
export class StatusChanges {
  private readonly statements = new Map<number, Statement>();
  private readonly versionOf: Database.Statement<
    [number],
    { status: JobStatus; version: number; attempt: number; max_attempts: number }
  >;

  constructor(private readonly db: Database.Database) {
    this.versionOf = db.prepare(
      'SELECT status, version, attempt, max_attempts FROM jobs WHERE id = ?',
    );
  }

  /**
   * Applies the changes in order; each result is the new version or why it was refused. A job's
   * second change (a start and its outcome, say) goes in a second round, after every job's first:
   * the order among one job's changes is kept, and each round is a few multi-row UPDATEs.
   */
  apply(changes: readonly StatusChange[]): (number | WardenError)[] {
    const results = new Array<number | WardenError>(changes.length);
    const rounds: number[][] = [];
    const seen = new Map<number, number>();
    for (let index = 0; index < changes.length; index++) {
      const change = changes[index] as StatusChange;
      const id = rowId(change.id);
      if (!jobTransitions.targetsOn(change.from, change.event).includes(change.to)) {
        results[index] = new InvalidTransitionError(
          `job ${change.id}`,
          change.from,
          `${change.event} to \`${change.to}\``,
        );
        continue;
      }
      if (id === undefined) {
        results[index] = new JobNotFoundError(change.id);
        continue;
      }
      const round = seen.get(id) ?? 0;
      seen.set(id, round + 1);
      (rounds[round] ??= []).push(index);
    }
    for (const round of rounds) this.applyRound(changes, round, results);
    return results;
  }

  private applyRound(
    changes: readonly StatusChange[],
    round: readonly number[],
    results: (number | WardenError)[],
  ): void {
    const values: (string | number | null)[] = [];
    for (const index of round) {
      const change = changes[index] as StatusChange;
      values.push(
        rowId(change.id) as number,
        change.version,
        change.from,
        change.to,
        change.event,
        change.at,
        change.runAt ?? null,
        change.attempt ?? null,
        change.stalls ?? null,
        change.error === undefined ? null : JSON.stringify(change.error),
        change.resultJson ?? null,
        change.viaFallback === undefined ? null : change.viaFallback ? 1 : 0,
        terminalJobStatuses.has(change.to) ? change.at : null,
      );
    }
    const updated = new Set<number>();
    for (let offset = 0; offset < round.length; offset += rowsPerUpdate) {
      const rows = Math.min(rowsPerUpdate, round.length - offset);
      const bound =
        rows === round.length ? values : values.slice(offset * columns, (offset + rows) * columns);
      for (const row of this.statement(rows).all(bound)) updated.add(row.id);
    }
    for (const index of round) {
      const change = changes[index] as StatusChange;
      results[index] = updated.has(Number(change.id)) ? change.version + 1 : this.diagnose(change);
    }
  }

  /** Why a version-checked change matched no row. */
  diagnose(change: StatusChange): WardenError {
    const id = rowId(change.id);
    const current = id === undefined ? undefined : this.versionOf.get(id);
    if (current === undefined) return new JobNotFoundError(change.id);
    if (current.version !== change.version) {
      return new VersionConflictError(change.id, change.version, current.version);
    }
    if (current.status === change.from && change.to === 'retrying') {
      return new InvalidTransitionError(
        `job ${change.id}`,
        current.status,
        `${change.event} to \`retrying\``,
        `attempt ${change.attempt ?? current.attempt} of ${current.max_attempts} was the last`,
      );
    }
    return new InvalidTransitionError(
      `job ${change.id}`,
      current.status,
      `${change.event} to \`${change.to}\``,
      `the writer expected \`${change.from}\``,
    );
  }

  private statement(rows: number): Statement {
    let statement = this.statements.get(rows);
    if (statement === undefined) {
      statement = this.db.prepare<[(string | number | null)[]], { id: number }>(updateSql(rows));
      this.statements.set(rows, statement);
    }
    return statement;
  }
}

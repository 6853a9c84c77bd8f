import type Database from 'better-sqlite3';
import { InternalError, InvalidTransitionError, JobNotFoundError } from '../../errors.js';
import { nextJobStep } from '../../machines/jobMachine.js';
import type { StepValues } from '../Store.js';
import type { StatusChanges } from './changeStatuses.js';
import { rowId, toJob, type JobRow } from './rows.js';

/** A user's cancel or replay of a stored job, decided by the job machine on the row as it is. */
export class JobCommands {
  private readonly byId: Database.Statement<[number], JobRow>;

  constructor(
    db: Database.Database,
    private readonly changes: StatusChanges,
  ) {
    this.byId = db.prepare('SELECT * FROM jobs WHERE id = ?');
  }

  apply(id: string, event: 'CANCEL' | 'REPLAY', at: number): StepValues['command'] {
    const n = rowId(id);
    const row = n === undefined ? undefined : this.byId.get(n);
    if (row === undefined || n === undefined) throw new JobNotFoundError(id);
    const before = toJob(row);
    const step = nextJobStep(
      before.status,
      { attempt: before.attempt, maxAttempts: before.maxAttempts, stalls: before.stalls },
      { type: event },
    );
    if (step === undefined || step.status === 'new') {
      throw new InvalidTransitionError(
        `job ${id}`,
        before.status,
        event === 'CANCEL' ? 'cancel it' : 'retry it',
      );
    }
    const [result] = this.changes.apply([
      {
        id,
        from: before.status,
        to: step.status,
        event,
        version: before.version,
        at,
        attempt: step.context.attempt,
        stalls: step.context.stalls,
      },
    ]);
    if (typeof result !== 'number') {
      throw result ?? new InternalError(`job ${id}: a command's change had no result`);
    }
    const after = this.byId.get(n);
    if (after === undefined) throw new JobNotFoundError(id);
    return { before, after: toJob(after) };
  }
}

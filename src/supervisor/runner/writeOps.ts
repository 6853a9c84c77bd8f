import type { Deferred, JobRun, RunOutcome } from '../../actors/jobRun.js';
import { coerceError, DatabaseWriteFailedError, WardenError } from '../../errors.js';
import type { JobEvent } from '../../events/types.js';
import type { ClaimedJob, Job, NewJob, StatusChange } from '../../persistence/Store.js';
import { outcomeChange } from './outcomes.js';

/** The error for writes the database refused: a `DatabaseError` unless Warden's own already. */
export function refusedWrite(thrown: unknown, writes: number): Error {
  const cause = coerceError(thrown);
  if (WardenError.is(cause)) return cause;
  return new DatabaseWriteFailedError(
    `the database refused ${writes === 1 ? 'a write' : `a group commit of ${writes} writes`} (${cause.message}); it was rolled back and nothing in it was stored`,
    { cause },
  );
}

/** One write waiting for the next group commit. */
export type WriteOp =
  | {
      readonly kind: 'insert';
      readonly jobs: readonly NewJob[];
      readonly deferred: Deferred<Job[]>;
    }
  | { readonly kind: 'start'; readonly run: JobRun }
  | {
      readonly kind: 'finish';
      readonly run: JobRun;
      readonly outcome: RunOutcome;
      readonly deferred: Deferred<void> | undefined;
    }
  | { readonly kind: 'release'; readonly job: ClaimedJob }
  | { readonly kind: 'change'; readonly change: StatusChange; readonly events: readonly JobEvent[] }
  | { readonly kind: 'progress'; readonly run: JobRun }
  | {
      readonly kind: 'checkpoint';
      readonly run: JobRun;
      readonly json: string;
      readonly deferred: Deferred<void>;
    }
  | {
      readonly kind: 'command';
      readonly id: string;
      readonly event: 'CANCEL' | 'REPLAY';
      readonly deferred: Deferred<Job>;
    }
  | { readonly kind: 'adopt'; readonly job: Job; readonly then: (adopted: boolean) => void }
  | { readonly kind: 'unadopt'; readonly run: JobRun };

/** Ops that are status changes of their own: consecutive ones share one `changes` step. */
export type ChangeOp = Extract<WriteOp, { kind: 'start' | 'finish' | 'release' | 'change' }>;

export const isChange = (op: WriteOp): op is ChangeOp =>
  op.kind === 'start' || op.kind === 'finish' || op.kind === 'release' || op.kind === 'change';

/** The status change a change op writes. */
export function changeOf(op: ChangeOp, at: number): StatusChange {
  switch (op.kind) {
    case 'start':
      return op.run.startChange(at);
    case 'finish':
      return outcomeChange(op.run, op.outcome, at);
    case 'release':
      return {
        id: op.job.id,
        from: 'claimed',
        to: 'queued',
        event: 'RELEASE',
        version: op.job.version,
        at,
      };
    case 'change':
      return op.change;
  }
}

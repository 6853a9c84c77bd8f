import type { JobRun } from '../../actors/jobRun.js';
import { InternalError, InvalidTransitionError, JobNotFoundError } from '../../errors.js';
import type { JobEvent } from '../../events/types.js';
import type {
  BatchResult,
  BatchStep,
  ClaimedJob,
  ClaimRoom,
  Job,
  NewJob,
  StepResult,
  StepValues,
  WriteBatch,
} from '../../persistence/Store.js';
import { outcomeEvent } from './outcomes.js';
import { changeOf, isChange, refusedWrite, type ChangeOp, type WriteOp } from './writeOps.js';

export { refusedWrite, type WriteOp } from './writeOps.js';

/** What a committed batch tells the runner to do, in order: settle callers, then publish. */
export interface Applied {
  readonly events: JobEvent[];
  readonly settle: (() => void)[];
  readonly claimed: readonly ClaimedJob[];
  /** Writes of runs that the database refused (their rows moved on): those runs are over. */
  readonly refusedRuns: JobRun[];
  /** True when a write queued jobs (there may be work to claim). */
  queuedMore: boolean;
  /** The highest priority among the jobs this batch queued: claims below it give way. */
  queuedPriority: number | undefined;
  /** How many jobs the promotion step moved (a full step means more may be due). */
  promoted: number;
}

/** How a step's result is applied. */
type StepHandler = (result: StepResult, applied: Applied) => void;

function queued(applied: Applied, priority: number): void {
  applied.queuedMore = true;
  applied.queuedPriority = Math.max(applied.queuedPriority ?? priority, priority);
}

/** The answer of a step of kind `kind`, or the error that refused it. */
function value<K extends BatchStep['kind']>(result: StepResult, kind: K): StepValues[K] {
  if (!result.ok) throw result.error;
  if (kind === 'changes' && !Array.isArray(result.value)) {
    throw new InternalError('a changes step answered no list');
  }
  return result.value as StepValues[K];
}

/** Builds one group commit from queued writes, and applies what it answers. */
export class BatchPlan {
  readonly steps: BatchStep[] = [];
  /** True when the batch's writes may queue jobs (its claim, last, may take them at once). */
  queues = false;
  private readonly handlers: StepHandler[] = [];

  constructor(
    readonly ops: readonly WriteOp[],
    readonly at: number,
    private readonly callbacks: {
      readonly refused: (op: WriteOp, error: Error) => void;
      readonly created: (job: NewJob, id: string) => Job;
    },
  ) {
    let run: ChangeOp[] = [];
    for (const op of ops) {
      if (
        op.kind === 'insert' ||
        op.kind === 'command' ||
        op.kind === 'release' ||
        (op.kind === 'change' && op.change.to === 'queued')
      ) {
        this.queues = true;
      }
      if (isChange(op)) {
        run.push(op);
        continue;
      }
      this.addChanges(run);
      run = [];
      this.addOp(op);
    }
    this.addChanges(run);
  }

  /** Promotes due jobs after the writes. */
  promote(limit: number): void {
    this.queues = true;
    this.steps.push({ kind: 'promote', limit });
    this.handlers.push((result, applied) => {
      if (!result.ok) return;
      const promoted = value(result, 'promote');
      applied.promoted = promoted.length;
      for (const job of promoted) {
        queued(applied, job.priority);
        applied.events.push({
          type: 'job.queued',
          jobId: job.id,
          jobType: job.type,
          at: this.at,
          attempt: job.attempt,
        });
      }
    });
  }

  /** The most jobs this batch's claim may take; undefined when it claims none. */
  claimLimit: number | undefined;
  private readonly claimed: ClaimedJob[] = [];

  private claimRooms: readonly ClaimRoom[] = [];

  /**
   * For each type this batch's claim asked for: true when it found fewer queued jobs than it had
   * room for (the type's queue is drained for now), false when it may have left some behind.
   */
  claimOutcome(): [string, boolean][] {
    if (this.claimLimit === undefined) return [];
    const full = this.claimed.length >= this.claimLimit;
    const taken = new Map<string, number>();
    for (const job of this.claimed) taken.set(job.type, (taken.get(job.type) ?? 0) + 1);
    return this.claimRooms.map((room) => [
      room.type,
      !full && (taken.get(room.type) ?? 0) < room.limit,
    ]);
  }

  /** Claims queued jobs last, so that jobs queued by this very batch can be claimed. */
  claim(limit: number, rooms: readonly ClaimRoom[]): void {
    this.claimRooms = rooms;
    this.claimLimit = Math.min(
      limit,
      rooms.reduce((sum, room) => sum + room.limit, 0),
    );
    this.steps.push({ kind: 'claim', limit, rooms });
    this.handlers.push((result) => {
      if (result.ok) this.claimed.push(...value(result, 'claim'));
    });
  }

  /** The generation the batch was sent in (see `WriteBatch.generation`). */
  generation = 0;

  toBatch(owner: string, readNextDue: boolean): WriteBatch {
    return { at: this.at, owner, steps: this.steps, readNextDue, generation: this.generation };
  }

  /** Applies a committed batch's answers. */
  apply(result: BatchResult): Applied {
    const applied: Applied = {
      events: [],
      settle: [],
      claimed: this.claimed,
      refusedRuns: [],
      queuedMore: false,
      queuedPriority: undefined,
      promoted: 0,
    };
    this.handlers.forEach((handler, index) => {
      const step = result.results[index];
      if (step !== undefined) handler(step, applied);
    });
    return applied;
  }

  private addChanges(ops: readonly ChangeOp[]): void {
    if (ops.length === 0) return;
    const at = this.at;
    this.steps.push({ kind: 'changes', changes: ops.map((op) => changeOf(op, at)) });
    this.handlers.push((result, applied) => {
      if (!result.ok) {
        for (const op of ops) this.refuse(op, result.error, applied);
        return;
      }
      const versions = value(result, 'changes');
      ops.forEach((op, index) => {
        const version = versions[index];
        if (typeof version !== 'number') {
          this.refuse(op, version ?? new JobNotFoundError('?'), applied);
          return;
        }
        this.changed(op, applied);
      });
    });
  }

  private changed(op: ChangeOp, applied: Applied): void {
    const at = this.at;
    switch (op.kind) {
      case 'start':
        applied.events.push({
          type: 'job.started',
          jobId: op.run.id,
          jobType: op.run.type,
          at,
          attempt: op.run.attempt,
        });
        return;
      case 'finish': {
        const { deferred } = op;
        applied.events.push(outcomeEvent(op.run, op.outcome, at));
        if (deferred !== undefined) applied.settle.push(() => deferred.resolve());
        return;
      }
      case 'release':
        queued(applied, op.job.priority);
        applied.events.push({
          type: 'job.queued',
          jobId: op.job.id,
          jobType: op.job.type,
          at,
          attempt: op.job.attempt,
        });
        return;
      case 'change':
        if (op.change.to === 'queued') applied.queuedMore = true;
        applied.events.push(...op.events);
        return;
    }
  }

  private refuse(op: WriteOp, thrown: Error, applied: Applied): void {
    const error = refusedWrite(thrown, 1);
    if (op.kind === 'start' || op.kind === 'finish') applied.refusedRuns.push(op.run);
    this.callbacks.refused(op, error);
    if ('deferred' in op && op.deferred !== undefined) {
      const { deferred } = op;
      applied.settle.push(() => deferred.reject(error));
    }
  }

  private addOp(op: Exclude<WriteOp, ChangeOp>): void {
    const at = this.at;
    switch (op.kind) {
      case 'insert':
        this.steps.push({ kind: 'insert', jobs: op.jobs });
        this.handlers.push((result, applied) => {
          if (!result.ok) {
            this.refuse(op, result.error, applied);
            return;
          }
          const jobs = value(result, 'insert').map((row, index) => {
            if (!row.created) return row.job;
            const input = op.jobs[index] as NewJob;
            const job = this.callbacks.created(input, row.id);
            if (job.status === 'scheduled') {
              applied.events.push({
                type: 'job.scheduled',
                jobId: job.id,
                jobType: job.type,
                at,
                attempt: 0,
                runAt: job.runAt,
              });
            } else {
              queued(applied, job.priority);
              applied.events.push({
                type: 'job.queued',
                jobId: job.id,
                jobType: job.type,
                at,
                attempt: 0,
              });
            }
            return job;
          });
          applied.settle.push(() => op.deferred.resolve(jobs));
        });
        return;
      case 'progress': {
        const { run } = op;
        run.progressQueued = false;
        const progress = run.progressValue;
        if (progress === undefined) return;
        this.steps.push({
          kind: 'progress',
          id: run.id,
          version: run.version,
          json: JSON.stringify(progress),
        });
        this.handlers.push((result, applied) => {
          if (result.ok && result.value === true) {
            applied.events.push({
              type: 'job.progress',
              jobId: run.id,
              jobType: run.type,
              at,
              attempt: run.attempt,
              progress,
            });
          }
        });
        return;
      }
      case 'checkpoint': {
        const { run, deferred } = op;
        this.steps.push({ kind: 'checkpoint', id: run.id, version: run.version, json: op.json });
        this.handlers.push((result, applied) => {
          if (!result.ok) {
            this.refuse(op, result.error, applied);
            return;
          }
          if (result.value === true) applied.settle.push(() => deferred.resolve());
          else {
            const error = new InvalidTransitionError(
              `job ${run.id}`,
              run.status,
              'save a checkpoint',
            );
            applied.settle.push(() => deferred.reject(error));
          }
        });
        return;
      }
      case 'command':
        this.steps.push({ kind: 'command', id: op.id, event: op.event });
        this.handlers.push((result, applied) => {
          if (!result.ok) {
            this.refuse(op, result.error, applied);
            return;
          }
          const { after } = value(result, 'command');
          const base = { jobId: after.id, jobType: after.type, at, attempt: after.attempt };
          if (after.status === 'queued') {
            queued(applied, after.priority);
            applied.events.push({ type: 'job.queued', ...base });
          } else {
            applied.events.push({ type: 'job.cancelled', ...base });
          }
          applied.settle.push(() => op.deferred.resolve(after));
        });
        return;
      case 'adopt':
        this.steps.push({ kind: 'adopt', id: op.job.id, version: op.job.version });
        this.handlers.push((result) => {
          op.then(result.ok && result.value === true);
        });
        return;
      case 'unadopt':
        this.steps.push({ kind: 'unadopt', id: op.run.id, version: op.run.version });
        this.handlers.push(() => undefined);
        return;
    }
  }
}

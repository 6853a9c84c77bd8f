import { trackWork } from '../../clock.js';
import type { CommitLatency } from '../../observability/healthWindows.js';
import type { Logger } from '../../observability/logger.js';
import type { BatchResult, Store } from '../../persistence/Store.js';
import { BatchPlan, refusedWrite, type WriteOp } from './batchPlan.js';
import type { CommitFailures } from './commitFailures.js';
import { insertedJob } from './outcomes.js';

/** Group commits in flight at once: the next one is built while the writer applies the last. */
export const batchesInFlight = 2;

/** What the write queue needs from the runner. */
export interface WriteQueueHost {
  readonly store: Store;
  readonly logger: Logger;
  readonly failures: CommitFailures;
  /** Each commit's latency, for `health()`. */
  readonly commitLatency: CommitLatency;
  /** This process's token: it marks claims and adopted fallbacks. */
  readonly owner: string;
  now(): number;
  /** Why a write is refused now (the runner is not running), or undefined. */
  refusal(): Error | undefined;
  /** True while batches may be sent (running or stopping). */
  sending(): boolean;
  /** Called as a flush begins, before the queued writes are taken (adoptions queue theirs). */
  prepare(): void;
  /** Adds the runner's own steps (adoptions, promotions, a claim) to a batch; returns what to settle. */
  compose(plan: BatchPlan): (() => void) | undefined;
  committed(plan: BatchPlan, result: BatchResult): void;
  /** The whole batch rolled back; `retry` holds the run writes to send again. */
  failed(plan: BatchPlan, error: Error, retry: WriteOp[]): void;
}

/**
 * Writes waiting for the next group commit. One flush per event-loop turn sends them in one
 * batch, without waiting for the last batch to commit (at most `batchesInFlight` at once); a
 * committed batch's answers go back to the runner in order.
 */
export class WriteQueue {
  private ops: WriteOp[] = [];
  /** Writes of batches that rolled back (or were skipped), to send first, in their order. */
  private retries: WriteOp[] = [];
  /** Batches are numbered by generation; a rollback starts a new one (see WriteBatch). */
  private generation = 0;
  private queued = false;
  private inFlight = 0;
  private readonly settled = new Set<Promise<unknown>>();
  /** True when a batch should be sent even with nothing in it (to read the due time back). */
  wanted = true;

  constructor(private readonly host: WriteQueueHost) {}

  get length(): number {
    return this.retries.length + this.ops.length;
  }

  /** Queues a write for the next group commit; refused at once when nothing will commit. */
  push(op: WriteOp): void {
    const refusal = this.host.refusal();
    if (refusal !== undefined) {
      if ('deferred' in op) op.deferred?.reject(refusal);
      else if (op.kind === 'adopt') op.then(false);
      return;
    }
    this.ops.push(op);
    this.schedule();
  }

  /** Queues writes to send again first (a batch that rolled back), after earlier ones. */
  requeue(ops: WriteOp[]): void {
    this.retries.push(...ops);
  }

  /** Asks for a flush in the next turn of the event loop. */
  schedule(): void {
    if (this.queued || this.host.refusal() !== undefined) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      this.flush();
    });
  }

  /** Sends one group commit: every queued write, then the runner's own steps. */
  flush(): void {
    const { host } = this;
    if (!host.sending() || this.inFlight >= batchesInFlight) return; // a settle flushes again
    host.prepare();
    const ops = this.retries.length === 0 ? this.ops : [...this.retries, ...this.ops];
    this.ops = [];
    this.retries = [];
    const now = host.now();
    const plan = new BatchPlan(ops, now, {
      refused: (op, error) => {
        if (op.kind === 'progress' || op.kind === 'start' || op.kind === 'finish') {
          host.logger.warn({ err: error, kind: op.kind }, 'the database refused a job write');
        }
      },
      created: (input, id) => insertedJob(input, id, now),
    });
    plan.generation = this.generation;
    const release = host.compose(plan);
    // Every batch reads the earliest due time back (two index lookups): it may have changed it.
    if (plan.steps.length === 0 && !this.wanted) return;
    this.wanted = false;
    this.inFlight++;
    const commit = host.commitLatency.begin(now);
    const settle = (): void => {
      this.inFlight--;
      host.commitLatency.end(commit, host.now());
      release?.();
    };
    const done = trackWork(host.store.commit(plan.toBatch(host.owner, true))).then(
      (result) => {
        settle();
        host.failures.cleared();
        host.committed(plan, result);
      },
      (thrown: unknown) => {
        settle();
        this.rolledBack(plan, thrown);
      },
    );
    this.settled.add(done);
    void done.finally(() => this.settled.delete(done));
  }

  /** Waits until every queued write is committed (or refused). */
  async drain(): Promise<void> {
    for (let rounds = 0; rounds < 1000; rounds++) {
      if (this.length > 0 && this.inFlight < batchesInFlight) this.flush();
      if (this.settled.size === 0) {
        if (this.length === 0) return;
        if (this.host.failures.count > 0) return; // a failing database: what is left is not stored
        continue;
      }
      await Promise.all([...this.settled]);
    }
  }

  /** Waits for the batches in flight. */
  async idle(): Promise<void> {
    await Promise.all([...this.settled]);
  }

  /** Drops every queued write, rejecting its caller with `error`. */
  rejectPending(error: Error): void {
    const pending = [...this.retries, ...this.ops];
    this.ops = [];
    this.retries = [];
    for (const op of pending) {
      if ('deferred' in op) op.deferred?.reject(error);
      else if (op.kind === 'adopt') op.then(false);
    }
  }

  /** A whole batch rolled back: callers' writes fail; a run's own writes are sent again. */
  private rolledBack(plan: BatchPlan, thrown: unknown): void {
    if (thrown instanceof Error && thrown.name === 'SkippedBatch') {
      // Sent behind a batch that rolled back, and not applied: sent again whole, in order.
      this.requeue([...plan.ops]);
      return;
    }
    // Batches still in flight were built on this one: the store skips them, and they follow.
    if (plan.generation === this.generation) this.generation++;
    const error = refusedWrite(thrown, plan.ops.length);
    this.host.logger.error(
      { err: error, ops: plan.ops.length },
      'a group commit failed and was rolled back',
    );
    const retry: WriteOp[] = [];
    for (const op of plan.ops) {
      if ('deferred' in op && op.kind !== 'finish') op.deferred.reject(error);
      else if (op.kind === 'adopt') op.then(false);
      else retry.push(op);
    }
    this.host.failed(plan, error, retry);
  }
}

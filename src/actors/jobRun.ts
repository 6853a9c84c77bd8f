import { createActor, type Actor } from 'xstate';
import type { Clock, TimerHandle } from '../clock.js';
import {
  coerceError,
  FallbackFailedError,
  InternalError,
  InvalidResultError,
  JobCancelledError,
  serializeError,
  ShutdownError,
  TimeoutError,
  WardenError,
} from '../errors.js';
import {
  inFallback,
  jobMachine,
  statusOf,
  type JobMachineEvent,
  type JobState,
} from '../machines/jobMachine.js';
import type { Logger } from '../observability/logger.js';
import type { StateObserver } from '../observability/metrics/stateObserver.js';
import { AttemptTrace } from '../observability/traceAttempt.js';
import { toJsonText } from '../persistence/json.js';
import type { ClaimedJob, StatusChange } from '../persistence/Store.js';
import type { CallPermit } from './callPermit.js';
import type { Pool } from './pool.js';
import { settleHandler } from './handlerCall.js';
import { FallbackRunContext, RunContext } from './runContext.js';
import { backoffDelay } from '../policies/backoff.js';
import type { ResolvedJobDefinition } from './jobDefinition.js';
import { RunHandle, type Phase } from './runHandle.js';
import { sharedSnapshot } from './jobSnapshots.js';
import type { Deferred, Failure, RunOutcome } from './jobRunTypes.js';

export type { Deferred, RunOutcome } from './jobRunTypes.js';

/** What a run needs from the scheduler that owns it. */
export interface JobRunHost {
  readonly clock: Clock;
  readonly logger: Logger;
  random(): number;
  /** The run left `running`: free its slot and persist the outcome, settling `deferred` on commit. */
  finish(run: JobRun, outcome: RunOutcome, deferred?: Deferred<void>): void;
  /** The run has new progress to write. */
  progress(run: JobRun): void;
  /** Persist a checkpoint; resolves once committed. */
  checkpoint(run: JobRun, json: string): Promise<void>;
  /** The runtime and its machine disagreed (a bug): the run is over and its slot must be freed. */
  invariant(run: JobRun, error: InternalError): void;
  /** Recoveries from `claimed` allowed before one counts as a stalled attempt. */
  readonly maxStalls: number;
  /** The pool named `name`, for `ctx.acquire`. */
  pool(name: string): Pool<unknown> | undefined;
  /** Told of the run's moves between the job machine's states that no write records (the fallback). */
  readonly states?: StateObserver | undefined;
}

function isUnrecoverable(error: Error): boolean {
  return WardenError.is(error) && error.code === 'UNRECOVERABLE';
}

/**
 * One attempt of one job: a live job-machine actor in `running`, bound to the handler's promise,
 * its AbortSignal and its timeout. The actor decides the outcome; the host persists it.
 */
export class JobRun extends RunHandle {
  readonly attempt: number;
  readonly trace: AttemptTrace;
  /** The row version this run owns; every write names it. */
  readonly version: number;
  /** The version of the `claimed` row the start write names. */
  private readonly claimedVersion: number;
  private readonly actor: Actor<typeof jobMachine>;
  private timer: TimerHandle | undefined;
  private attemptError: Error | undefined;
  /** True once the attempt ran past its `timeoutMs`: its leases are destroyed, not released. */
  private timedOut = false;
  /** True once the run entered its fallback (`running.fallback`). */
  fellBack = false;

  declare protected readonly host: JobRunHost;

  constructor(
    host: JobRunHost,
    private readonly definition: ResolvedJobDefinition,
    job: ClaimedJob,
    /** The job type's breaker let this attempt through: its outcome is reported there. */
    private permit?: CallPermit,
    /** A stalled last attempt adopted to run its fallback: the row is `running` already. */
    adopted = false,
  ) {
    super(host, job);
    const hasFallback = definition.fallback !== undefined;
    this.actor = createActor(jobMachine, {
      input: { maxAttempts: job.maxAttempts },
      snapshot: sharedSnapshot(
        adopted ? 'running' : 'claimed',
        job.attempt,
        job.maxAttempts,
        job.stalls,
        host.maxStalls,
        hasFallback,
      ),
    });
    this.actor.start();
    if (adopted) {
      this.version = job.version;
    } else {
      this.send({ type: 'START' });
      this.version = job.version + 1;
    }
    this.attempt = this.actor.getSnapshot().context.attempt;
    this.trace = new AttemptTrace(job, this.attempt);
    this.claimedVersion = job.version;
  }

  /** The write that records this attempt's start (`claimed → running`). */
  startChange(at: number): StatusChange {
    return {
      id: this.id,
      from: 'claimed',
      to: 'running',
      event: 'START',
      version: this.claimedVersion,
      at,
      attempt: this.attempt,
      stalls: 0,
    };
  }

  /** The job's status as the actor sees it. */
  get status(): JobState {
    return statusOf(this.actor.getSnapshot().value);
  }

  /** Sends an event the machine must accept here; false (the run ended as a bug) when it does not. */
  private send(event: JobMachineEvent): boolean {
    const snapshot = this.actor.getSnapshot();
    if (!snapshot.can(event)) {
      this.trace.end({ to: 'invariant' });
      this.phase = 'done';
      this.actor.stop();
      this.host.invariant(
        this,
        new InternalError(
          `job ${this.id}: the job machine refused ${event.type} in \`${JSON.stringify(snapshot.value)}\``,
        ),
      );
      return false;
    }
    this.actor.send(event);
    return true;
  }

  /** True until the run has reached an outcome or been abandoned. */
  get active(): boolean {
    return this.phase !== 'done';
  }

  /** Starts the handler. */
  start(): void {
    if (this.phase !== 'attempt') return; // ended before it began (cancelled)
    this.armTimeout();
    this.trace.begin();
    this.invoke(() => this.definition.run(this.payloadValue, new RunContext(this, 'attempt')));
  }

  /** Cancels the run: aborts its signal and ends the job `cancelled`; undefined when already over. */
  cancel(): Promise<void> | undefined {
    if (this.phase === 'done') return undefined;
    this.endPermit(undefined, true);
    this.abort(new JobCancelledError(this.id));
    return new Promise((resolve, reject) => {
      this.conclude({ type: 'CANCEL' }, { to: 'cancelled', event: 'CANCEL' }, { resolve, reject });
    });
  }

  /** Gives up on the run at shutdown: aborts its signal and writes nothing (the next start recovers it). */
  abandon(): void {
    if (this.phase === 'done') return;
    this.endPermit(undefined, true);
    this.endLeases(true);
    this.clearTimer();
    this.abort(new ShutdownError());
    this.phase = 'done';
    this.actor.stop();
    this.trace.end({ to: 'abandoned' });
  }

  private invoke(work: () => unknown): void {
    const phase = this.phase;
    settleHandler(
      () => this.trace.run(work),
      (value) => {
        this.succeeded(phase, value);
      },
      (error) => {
        this.failed(phase, error);
      },
    );
  }

  private armTimeout(): void {
    const timeoutMs = this.definition.timeoutMs;
    if (timeoutMs === undefined) return;
    const phase = this.phase;
    this.timer = this.host.clock.setTimeout(() => {
      this.timer = undefined;
      this.timedOut = true;
      const error = new TimeoutError(timeoutMs);
      this.abort(error);
      this.failed(phase, error, true);
    }, timeoutMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Aborts the current phase's signal. */
  private abort(reason: unknown): void {
    if (this.phase === 'done') return;
    this.signals.abort(this.phase, reason);
  }

  /** Reports the attempt's verdict to the breaker that admitted it (once), or gives it back. */
  private endPermit(error: Error | undefined, release = false): void {
    const permit = this.permit;
    if (permit === undefined) return;
    this.permit = undefined;
    if (release) permit.release();
    else permit.settle(error);
  }

  private succeeded(phase: Phase, value: unknown): void {
    if (this.phase !== phase) return; // a late result: the attempt already ended
    const json = toJsonText(value === undefined ? null : value, 'result');
    if ('problem' in json) {
      this.failed(phase, new InvalidResultError(`the handler's ${json.problem}`));
      return;
    }
    if (phase === 'attempt') this.endPermit(undefined);
    const viaFallback = phase === 'fallback' && this.attemptError !== undefined;
    this.conclude(
      { type: 'SUCCEED' },
      viaFallback && this.attemptError !== undefined
        ? {
            to: 'succeeded',
            event: 'SUCCEED',
            resultJson: json.text,
            viaFallback: true,
            error: serializeError(this.attemptError),
          }
        : { to: 'succeeded', event: 'SUCCEED', resultJson: json.text, viaFallback: false },
    );
  }

  private failed(phase: Phase, thrown: unknown, timedOut = false): void {
    if (this.phase !== phase) return;
    const error = coerceError(thrown);
    if (phase === 'attempt') this.endPermit(error);
    const type = timedOut ? 'TIMEOUT' : 'FAIL';
    if (phase === 'fallback') {
      const attemptError = this.attemptError ?? error;
      const wrapped = new FallbackFailedError(error, attemptError);
      this.conclude(
        { type, retryable: false },
        { to: 'dead', event: 'FAIL', error: serializeError(wrapped) },
      );
      return;
    }
    const retryable = !isUnrecoverable(error) && this.isRetryable(error);
    this.decide({ type, retryable }, error);
  }

  /** Tells the machine how the attempt failed, and does what it decided: retry, fallback or dead. */
  private decide(event: Failure | { readonly type: 'STALL' }, error: Error): void {
    this.clearTimer();
    if (!this.send(event)) return;
    const value = this.actor.getSnapshot().value;
    if (inFallback(value)) {
      this.enterFallback(error);
      return;
    }
    const reached = statusOf(value);
    if (reached === 'retrying') {
      const delay = backoffDelay(this.definition.backoff, this.attempt, this.host.random());
      this.finishWith({
        to: 'retrying',
        event: 'FAIL',
        error: serializeError(error),
        runAt: this.host.clock.now() + delay,
      });
    } else if (reached === 'dead') {
      this.finishWith({ to: 'dead', event: 'FAIL', error: serializeError(error) });
    } else {
      this.mismatch(reached, 'retrying, the fallback or dead');
    }
  }

  /**
   * Runs the fallback for a last attempt that failed elsewhere: one left `running` by a process
   * that died, found at start-up (the machine's `STALL`). The run owns the row's current version.
   */
  startFallback(error: Error): void {
    if (this.phase !== 'attempt') return; // ended before it began (cancelled)
    this.trace.begin();
    this.decide({ type: 'STALL' }, error);
  }

  private enterFallback(error: Error): void {
    const fallback = this.definition.fallback;
    if (fallback === undefined) {
      this.mismatch('running.fallback', 'a fallback of the job type');
      return;
    }
    this.endLeases(this.timedOut);
    this.timedOut = false;
    this.attemptError = error;
    this.phase = 'fallback';
    this.fellBack = true;
    this.host.states?.moved('job', 'running.attempt', 'running.fallback');
    this.armTimeout();
    this.invoke(() => fallback(this.payloadValue, new FallbackRunContext(this, error)));
  }

  private isRetryable(error: Error): boolean {
    try {
      return this.definition.retryable(error);
    } catch (predicateError) {
      this.log().error(
        { err: predicateError },
        'retryable() threw; the error is treated as not retryable',
      );
      return false;
    }
  }

  /** Sends the final event to the actor, then hands the outcome the actor reached to the host. */
  private conclude(
    event: { type: 'SUCCEED' } | { type: 'CANCEL' } | Failure,
    outcome: RunOutcome,
    deferred?: Deferred<void>,
  ): void {
    this.clearTimer();
    if (!this.send(event)) {
      deferred?.resolve();
      return;
    }
    const reached = statusOf(this.actor.getSnapshot().value);
    if (reached !== outcome.to) {
      // The machine is the law: an outcome it did not reach is never written.
      this.mismatch(reached, outcome.to);
      deferred?.resolve();
      return;
    }
    this.finishWith(outcome, deferred);
  }

  private finishWith(outcome: RunOutcome, deferred?: Deferred<void>): void {
    this.trace.end(outcome);
    this.phase = 'done';
    this.endLeases(outcome.to === 'cancelled' || this.timedOut);
    this.actor.stop();
    this.host.finish(this, outcome, deferred);
  }

  private mismatch(reached: string, expected: string): void {
    this.trace.end({ to: 'invariant' });
    this.phase = 'done';
    this.endLeases(true);
    this.actor.stop();
    this.host.invariant(
      this,
      new InternalError(
        `job ${this.id}: the job machine reached \`${reached}\`, expected ${expected}`,
      ),
    );
  }

  /** Ends the leases the handler left open: destroyed (their signals aborted) when the handler may still hold them. */
  private endLeases(destroy: boolean): void {
    this.leases.end(destroy);
  }
}

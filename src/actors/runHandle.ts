import type { Logger } from '../observability/logger.js';
import type { AttemptTrace } from '../observability/traceAttempt.js';
import { traceLogger } from '../observability/traceLogger.js';
import { InvalidPayloadError } from '../errors.js';
import { toJsonText } from '../persistence/json.js';
import type { ClaimedJob, JobProgress } from '../persistence/Store.js';
import { PhaseSignals } from './handlerCall.js';
import { checkProgress } from './jobDefinition.js';
import type { Lease, Pool } from './pool.js';
import type { AcquireOptions } from './poolOptions.js';
import { RunLeases } from './runLeases.js';

/** Where an attempt is: its handler, then (after a last failure) its fallback, then done. */
export type Phase = 'attempt' | 'fallback' | 'done';

/** What a handle needs from the runner (the whole of it is `JobRunHost`). */
export interface HandleHost {
  readonly logger: Logger;
  /** The pool named `name`, for `ctx.acquire`. */
  pool(name: string): Pool<unknown> | undefined;
  /** The run has new progress to write (the run is the subclass, a `JobRun`). */
  progress(run: never): void;
  /** Persist a checkpoint; resolves once committed. */
  checkpoint(run: never, json: string): Promise<void>;
}

/**
 * What a handler sees of its attempt through `ctx`: the payload, the signal of its phase, its
 * logger, the last checkpoint, progress and checkpoints, and pool leases that end with it.
 */
export abstract class RunHandle {
  readonly id: string;
  readonly type: string;
  readonly maxAttempts: number;
  abstract readonly attempt: number;
  /** The attempt's trace context: its handler runs inside it, its log lines carry it. */
  abstract readonly trace: AttemptTrace;
  /** The latest progress reported, waiting to be written. */
  progressValue: JobProgress | undefined;
  /** True while a progress write is queued. */
  progressQueued = false;
  /** `ctx.progress` and `ctx.checkpoint`, created when a handler first reads them. */
  progressFunction: ((done: number, total?: number) => void) | undefined;
  checkpointFunction: ((data: unknown) => Promise<void>) | undefined;
  protected phase: Phase = 'attempt';
  /** Each phase's signal, created on first use, so the attempt's stays aborted in the fallback. */
  protected readonly signals = new PhaseSignals();
  /** Leases taken through `ctx` that the attempt has not ended yet. */
  protected readonly leases: RunLeases;
  protected readonly payloadValue: unknown;
  private readonly checkpointJson: string | null;
  private logger: Logger | undefined;
  /** The last checkpoint this attempt committed: its fallback sees it as the last one. */
  private savedJson: string | null = null;

  constructor(
    protected readonly host: HandleHost,
    job: ClaimedJob,
  ) {
    this.id = job.id;
    this.type = job.type;
    this.maxAttempts = job.maxAttempts;
    this.payloadValue = JSON.parse(job.payloadJson) as unknown;
    this.checkpointJson = job.checkpointJson;
    this.leases = new RunLeases(job.id, (name) => host.pool(name));
  }

  /** The payload the handler receives. */
  get payload(): unknown {
    return this.payloadValue;
  }
  /** The signal of a phase (the attempt or the fallback), created on first use. */
  signal(phase: Exclude<Phase, 'done'>): AbortSignal {
    return this.signals.of(phase);
  }
  /** The run's logger, created on first use: its lines carry the attempt's `trace_id` and `span_id`. */
  log(): Logger {
    this.logger ??= traceLogger(
      this.host.logger.child({ jobId: this.id, jobType: this.type, attempt: this.attempt }),
      () => this.trace.fields,
    );
    return this.logger;
  }

  /** The checkpoint of an earlier attempt (for the fallback: the last attempt's, if it saved one). */
  lastCheckpoint(): unknown {
    const json =
      this.phase === 'fallback' ? (this.savedJson ?? this.checkpointJson) : this.checkpointJson;
    return json === null ? undefined : (JSON.parse(json) as unknown);
  }

  /** Leases a pool's resource for this attempt; the attempt's end releases (or destroys) it. */
  acquire(
    ref: unknown,
    options: AcquireOptions | undefined,
    signal: AbortSignal,
  ): Promise<Lease<unknown>> {
    return this.leases.acquire(ref, options, signal, () => this.phase === 'done');
  }
  /** Queues a progress write. */
  reportProgress(done: unknown, total: unknown): void {
    if (this.phase === 'done') return;
    this.progressValue = checkProgress(done, total);
    this.host.progress(this as never);
  }
  /** Persists a checkpoint. */
  saveCheckpoint(data: unknown): Promise<void> {
    const json = toJsonText(data, 'checkpoint');
    if ('problem' in json) {
      return Promise.reject(new InvalidPayloadError(`the ${json.problem}`));
    }
    return this.host.checkpoint(this as never, json.text).then(() => {
      this.savedJson = json.text;
    });
  }
}

import { InvalidOptionError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { AttemptTrace } from '../observability/traceAttempt.js';
import { formatTraceparent } from '../observability/traceContext.js';
import type { FallbackContext, JobContext } from './jobDefinition.js';
import type { Lease, Pool } from './pool.js';
import type { AcquireOptions } from './poolOptions.js';

/** What a handler's `ctx` reads of its run (a `JobRun`), so this file needs none of it. */
export interface RunView {
  readonly id: string;
  readonly type: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly trace: AttemptTrace;
  /** `ctx.progress` and `ctx.checkpoint`, bound on first use and kept on the run. */
  progressFunction: ((done: number, total?: number) => void) | undefined;
  checkpointFunction: ((data: unknown) => Promise<void>) | undefined;
  signal(phase: 'attempt' | 'fallback'): AbortSignal;
  log(): Logger;
  lastCheckpoint(): unknown;
  reportProgress(done: unknown, total: unknown): void;
  saveCheckpoint(data: unknown): Promise<void>;
  acquire(
    pool: unknown,
    options: AcquireOptions | undefined,
    signal: AbortSignal,
  ): Promise<Lease<unknown>>;
}

/** The `ctx` a handler receives: a thin view of its run. */
export class RunContext implements JobContext {
  constructor(
    protected readonly run: RunView,
    private readonly phase: 'attempt' | 'fallback',
  ) {}
  get jobId(): string {
    return this.run.id;
  }
  get type(): string {
    return this.run.type;
  }
  get attempt(): number {
    return this.run.attempt;
  }
  get maxAttempts(): number {
    return this.run.maxAttempts;
  }
  get signal(): AbortSignal {
    return this.run.signal(this.phase);
  }
  get log(): Logger {
    return this.run.log();
  }
  get traceId(): string {
    return this.run.trace.context.traceId;
  }
  get spanId(): string {
    return this.run.trace.context.spanId;
  }
  get traceparent(): string {
    return formatTraceparent(this.run.trace.context);
  }
  get lastCheckpoint(): unknown {
    return this.run.lastCheckpoint();
  }
  // Bound on first use, so a handler may destructure them; most handlers never touch them.
  get progress(): (done: number, total?: number) => void {
    return (this.run.progressFunction ??= (done: number, total?: number): void => {
      this.run.reportProgress(done, total);
    });
  }
  get checkpoint(): (data: unknown) => Promise<void> {
    return (this.run.checkpointFunction ??= (data: unknown): Promise<void> =>
      this.run.saveCheckpoint(data));
  }
  acquire<R>(pool: string | Pool<R>, options?: AcquireOptions): Promise<Lease<R>> {
    return this.run.acquire(pool, options, this.signal) as Promise<Lease<R>>;
  }
  async use<R, T>(
    pool: string | Pool<R>,
    fn: (resource: R, ctx: { readonly signal: AbortSignal }) => T | Promise<T>,
    options?: AcquireOptions,
  ): Promise<T> {
    if (typeof fn !== 'function') throw new InvalidOptionError('fn', 'a function', fn);
    const lease = await this.acquire(pool, options);
    let value: T;
    try {
      // Aborted when the attempt ends, or when the resource is lost under the work.
      value = await fn(lease.resource, { signal: AbortSignal.any([this.signal, lease.signal]) });
    } catch (error) {
      lease.fail(error); // nothing if the attempt's end ended it first
      throw error;
    }
    try {
      lease.release();
    } catch {
      // the attempt ended (timed out, was cancelled) first and ended the lease
    }
    return value;
  }
}

export class FallbackRunContext extends RunContext implements FallbackContext {
  constructor(
    run: RunView,
    readonly error: Error,
  ) {
    super(run, 'fallback');
  }
}

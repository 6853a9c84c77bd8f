import { JobRun, type JobRunHost } from '../../actors/jobRun.js';
import type { ResolvedJobDefinition } from '../../actors/jobDefinition.js';
import { serializeError, StalledJobError } from '../../errors.js';
import type { JobEvent } from '../../events/types.js';
import type { Job } from '../../persistence/Store.js';
import type { WriteOp } from './batchPlan.js';

/** What adopting stalled last attempts needs from the runner. */
export interface AdoptionHost {
  readonly concurrency: number;
  readonly definitions: ReadonlyMap<string, ResolvedJobDefinition>;
  /** Jobs running now, in all and of one type. */
  running(): number;
  runningOf(type: string): number;
  /** True while the runner takes work. */
  active(): boolean;
  queue(op: WriteOp): void;
  publish(event: JobEvent): void;
  /** Counts a run as in flight. */
  track(run: JobRun): JobRun;
}

/**
 * Stalled last attempts whose type has a fallback, found at start-up: each is adopted (its mark
 * committed, so no other process runs it too) as slots free, then its fallback runs here, as it
 * would have in the process that died. One that another process had begun and died with too is
 * dead.
 */
export class FallbackAdoptions {
  private waiting: Job[] = [];
  private pending = 0;
  /** Adoptions being committed, per type: they count against the type's concurrency. */
  private readonly pendingByType = new Map<string, number>();
  private readonly runs = new Set<JobRun>();

  constructor(
    /** The host of the adopted runs. */
    private readonly runHost: JobRunHost,
    private readonly host: AdoptionHost,
  ) {}

  /** Adoptions whose mark is being committed: they hold a slot. */
  get adopting(): number {
    return this.pending;
  }

  /** The stalled last attempts to adopt, found by recovery. */
  reset(jobs: Job[]): void {
    this.waiting = jobs;
  }

  /** True when `run` is an adopted fallback (its mark is released if it is given up). */
  adopted(run: JobRun): boolean {
    return this.runs.has(run);
  }

  /** The run left the runner. */
  forget(run: JobRun): void {
    this.runs.delete(run);
  }

  /** Queues the marks of as many adoptions as free slots allow. */
  adoptAsSlotsAllow(): void {
    const { host } = this;
    let free = host.concurrency - host.running() - this.pending;
    const left: Job[] = [];
    for (const job of this.waiting) {
      const definition = host.definitions.get(job.type);
      if (definition === undefined) continue;
      const used = host.runningOf(job.type) + (this.pendingByType.get(job.type) ?? 0);
      if (free <= 0 || used >= definition.concurrency) {
        left.push(job); // waits for a slot of its own type
        continue;
      }
      free--;
      this.pending++;
      this.pendingByType.set(job.type, (this.pendingByType.get(job.type) ?? 0) + 1);
      host.queue({
        kind: 'adopt',
        job,
        then: (adopted) => {
          this.pending--;
          this.pendingByType.set(job.type, (this.pendingByType.get(job.type) ?? 1) - 1);
          this.settled(job, definition, adopted);
        },
      });
    }
    this.waiting = left;
  }

  private settled(job: Job, definition: ResolvedJobDefinition, adopted: boolean): void {
    const { host } = this;
    const base = {
      jobId: job.id,
      jobType: job.type,
      at: this.runHost.clock.now(),
      attempt: job.attempt,
    };
    if (!adopted) {
      host.publish({ type: 'job.stalled', ...base });
      // Another process had begun its fallback and died too (or the row moved on): it is dead.
      const error = serializeError(new StalledJobError(job.id));
      host.queue({
        kind: 'change',
        change: {
          id: job.id,
          from: 'running',
          to: 'dead',
          event: 'STALL',
          version: job.version,
          at: base.at,
          attempt: job.attempt,
          error,
        },
        events: [{ type: 'job.dead', ...base, error }],
      });
      return;
    }
    if (!host.active()) {
      host.publish({ type: 'job.stalled', ...base });
      return;
    }
    const run = new JobRun(
      this.runHost,
      definition,
      {
        id: job.id,
        type: job.type,
        priority: job.priority,
        payloadJson: JSON.stringify(job.payload),
        attempt: job.attempt,
        maxAttempts: job.maxAttempts,
        stalls: job.stalls,
        version: job.version,
        checkpointJson: job.checkpoint === null ? null : JSON.stringify(job.checkpoint),
        traceparent: job.traceparent,
        tracestate: job.tracestate,
      },
      undefined,
      true,
    );
    this.runs.add(host.track(run));
    // A listener may cancel the job on its stalled event: then its fallback does not run.
    host.publish({ type: 'job.stalled', ...base });
    if (run.active) run.startFallback(new StalledJobError(run.id));
  }
}

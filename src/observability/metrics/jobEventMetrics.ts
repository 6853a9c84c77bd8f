import { Counter, Histogram, type Registry } from 'prom-client';
import type { Disposable, EventBus } from '../../events/eventBus.js';
import type { JobEvent } from '../../events/types.js';

/** How an attempt or a job ended, as the `outcome` label says it. */
export type JobOutcome = 'succeeded' | 'retried' | 'dead' | 'cancelled';

/** Bucket bounds of `warden_job_duration_seconds`: 5 ms to an hour. */
export const jobDurationBuckets: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
];

const outcomeOf: Partial<Record<JobEvent['type'], JobOutcome>> = {
  'job.succeeded': 'succeeded',
  'job.retrying': 'retried',
  'job.dead': 'dead',
  'job.cancelled': 'cancelled',
};

/**
 * The job counters and the duration histogram, fed by committed job events. Label children are
 * kept per label set, so an event costs a map look-up and an increment, not a label hash.
 */
export class JobEventMetrics {
  private readonly outcomes: Counter<'type' | 'outcome'>;
  private readonly attempts: Counter<'type'>;
  private readonly stalls: Counter<'type'>;
  private readonly durations: Histogram<'type' | 'outcome'>;
  private readonly children = new Map<string, { inc(): void }>();
  private readonly timers = new Map<string, { observe(seconds: number): void }>();
  /** When each attempt running in this process started (by job id): in-flight jobs only. */
  private readonly started = new Map<string, number>();
  private readonly listeners: Disposable[];

  constructor(registry: Registry, bus: EventBus) {
    const registers = [registry];
    this.outcomes = new Counter({
      name: 'warden_jobs_total',
      help: 'Job outcomes by type: succeeded, retried (an attempt failed and another is due), dead (dead-lettered), cancelled.',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.attempts = new Counter({
      name: 'warden_job_attempts_total',
      help: 'Attempts started, by job type.',
      labelNames: ['type'],
      registers,
    });
    this.stalls = new Counter({
      name: 'warden_job_stalls_total',
      help: 'Jobs found running after the process that ran them died, by job type.',
      labelNames: ['type'],
      registers,
    });
    this.durations = new Histogram({
      name: 'warden_job_duration_seconds',
      help: "Attempt durations by job type and outcome, from the attempt's start to its outcome (both as committed).",
      labelNames: ['type', 'outcome'],
      buckets: [...jobDurationBuckets],
      registers,
    });
    this.listeners = [
      bus.on('job.started', (event) => {
        this.started.set(event.jobId, event.at);
        this.count(this.attempts, `a\u0000${event.jobType}`, { type: event.jobType });
      }),
      bus.on('job.stalled', (event) => {
        this.started.delete(event.jobId);
        this.count(this.stalls, `s\u0000${event.jobType}`, { type: event.jobType });
      }),
      bus.on('job.succeeded', (event) => {
        this.ended(event);
      }),
      bus.on('job.retrying', (event) => {
        this.ended(event);
      }),
      bus.on('job.dead', (event) => {
        this.ended(event);
      }),
      bus.on('job.cancelled', (event) => {
        this.ended(event);
      }),
    ];
  }

  /** Stops listening. */
  dispose(): void {
    for (const listener of this.listeners) listener.dispose();
    this.started.clear();
  }

  private ended(event: JobEvent): void {
    const outcome = outcomeOf[event.type];
    if (outcome === undefined) return;
    const type = event.jobType;
    const key = `${type}\u0000${outcome}`;
    this.count(this.outcomes, `o\u0000${key}`, { type, outcome });
    const startedAt = this.started.get(event.jobId);
    // A job that never started here (cancelled while waiting, recovered after a crash) has no duration.
    if (startedAt === undefined) return;
    this.started.delete(event.jobId);
    let timer = this.timers.get(key);
    if (timer === undefined) {
      timer = this.durations.labels({ type, outcome });
      this.timers.set(key, timer);
    }
    timer.observe(Math.max(0, event.at - startedAt) / 1000);
  }

  private count<L extends string>(
    counter: Counter<L>,
    key: string,
    labels: Partial<Record<L, string>>,
  ): void {
    let child = this.children.get(key);
    if (child === undefined) {
      child = counter.labels(labels);
      this.children.set(key, child);
    }
    child.inc();
  }
}

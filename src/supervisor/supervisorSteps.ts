import type { TimerHandle } from '../clock.js';
import type { SupervisedNode, SupervisionRuntime } from './supervision.js';

/**
 * A supervisor's steps (its start-up, the handling of each exit, its stop), run one at a time in
 * the order they were queued. A step may wait for a child to start or for a restart's backoff;
 * `interrupt()` (a stop) cuts both waits short, so the step sees the stop.
 */
export class SupervisorSteps {
  private queue: Promise<void> = Promise.resolve();
  private readonly pendingStarts = new Map<string, () => void>();
  private backoff: { timer: TimerHandle; wake: () => void } | undefined;

  constructor(
    private readonly supervisorId: string,
    private readonly runtime: SupervisionRuntime,
  ) {}

  /** Runs `work` once every step queued before it has run; a step that throws is logged. */
  enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work).catch((error: unknown) => {
      this.runtime.logger.error(
        { err: error, supervisorId: this.supervisorId },
        'supervision step failed',
      );
    });
    this.queue = next;
    return next;
  }

  /** Resolves once every step queued so far has run. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** Starts `node`; resolves once it has started or exited (or its start is settled otherwise). */
  start(node: SupervisedNode): Promise<void> {
    return new Promise<void>((resolve) => {
      this.pendingStarts.set(node.id, resolve);
      node.start();
    });
  }

  /** The step waiting on the start of child `id` goes on. */
  settleStart(id: string): void {
    const resolve = this.pendingStarts.get(id);
    this.pendingStarts.delete(id);
    resolve?.();
  }

  /** Waits `ms` (a restart's backoff); `interrupt()` ends the wait at once. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        if (this.backoff !== undefined) this.runtime.clock.clearTimeout(this.backoff.timer);
        this.backoff = undefined;
        resolve();
      };
      this.backoff = { timer: this.runtime.clock.setTimeout(wake, ms), wake };
    });
  }

  /** Ends the backoff under way and every wait for a start, so a step under way sees a stop. */
  interrupt(): void {
    this.backoff?.wake();
    for (const id of [...this.pendingStarts.keys()]) this.settleStart(id);
  }
}

import type { Deferred } from '../../actors/jobRun.js';
import { holdProcessOpen } from '../../clock.js';
import { coerceError, JobNotFoundError } from '../../errors.js';
import type { JobEvent } from '../../events/types.js';
import { terminalJobStatuses } from '../../machines/jobMachine.js';
import type { Job, Store } from '../../persistence/Store.js';

/** Callers of `waitForJob`, by job id, settled when the job ends. */
export class Waiters {
  private readonly byJob = new Map<string, Deferred<Job>[]>();

  constructor(private readonly store: Pick<Store, 'getJob'>) {}

  /** Resolves once the job reaches `succeeded`, `cancelled` or `dead`. */
  async wait(id: string, signal?: AbortSignal): Promise<Job> {
    if (signal?.aborted === true) throw coerceError(signal.reason);
    const waiting = this.add(id, signal);
    // Read after the wait is registered, so an end committed meanwhile is not missed.
    const job = await this.store.getJob(id);
    if (job === undefined || terminalJobStatuses.has(job.status)) this.settle(id, job);
    return waiting;
  }

  /** Settles the waiters of the job an event ended, with the job as stored. */
  ended(event: JobEvent): void {
    if (this.byJob.size === 0 || !this.byJob.has(event.jobId)) return;
    if (!terminalJobStatuses.has(event.type.slice('job.'.length) as Job['status'])) return;
    const id = event.jobId;
    void this.store.getJob(id).then(
      (job) => {
        this.settle(id, job);
      },
      (error: unknown) => {
        for (const waiter of this.take(id)) waiter.reject(coerceError(error));
      },
    );
  }

  private settle(id: string, job: Job | undefined): void {
    for (const waiter of this.take(id)) {
      if (job === undefined) waiter.reject(new JobNotFoundError(id));
      else waiter.resolve(job);
    }
  }

  /** Waits for `id` to end; the wait holds the process open, and `signal` gives it up. */
  private add(id: string, signal?: AbortSignal): Promise<Job> {
    return new Promise((resolve, reject) => {
      const release = holdProcessOpen();
      const onAbort = (): void => {
        this.remove(id, waiter);
        waiter.reject(coerceError(signal?.reason));
      };
      const done = (): void => {
        release();
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Deferred<Job> = {
        resolve: (value) => {
          done();
          resolve(value);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const list = this.byJob.get(id) ?? [];
      list.push(waiter);
      this.byJob.set(id, list);
    });
  }

  /** Takes every waiter of `id`. */
  private take(id: string): Deferred<Job>[] {
    const list = this.byJob.get(id) ?? [];
    this.byJob.delete(id);
    return list;
  }

  /** Rejects every waiter. */
  rejectAll(error: Error): void {
    for (const list of this.byJob.values()) for (const waiter of list) waiter.reject(error);
    this.byJob.clear();
  }

  private remove(id: string, waiter: Deferred<Job>): void {
    const list = this.byJob.get(id);
    const index = list?.indexOf(waiter) ?? -1;
    if (list !== undefined && index >= 0) list.splice(index, 1);
    if (list?.length === 0) this.byJob.delete(id);
  }
}

import type { JobDefinition } from '../actors/jobDefinition.js';
import type { JobStatus } from '../machines/jobMachine.js';
import type {
  ActorEventRecord,
  DeadActorRecord,
  Job,
  JobFilter,
  JobHistoryEntry,
  JobPage,
  PausedTypeRecord,
  UndeliverableRecord,
} from '../persistence/Store.js';
import type { Operations } from '../supervisor/commands/operations.js';
import type { ChildSpec } from '../supervisor/childSpec.js';
import type { TreeNode } from '../supervisor/supervision.js';
import type { ActorHandle } from '../supervisor/treeApi.js';
import type { EnqueueItem, EnqueueOptions } from './enqueueChecks.js';
import type { JobsApi, JobType, WaitOptions } from './jobsApi.js';
import type { SupervisionApi } from './supervisionApi.js';

/**
 * The calls of `Warden` that are handed on as they are: the jobs API to `JobsApi`, pausing to
 * `Operations`, the supervision API to `SupervisionApi`. `WardenInstance` extends it and wires
 * the three.
 */
export abstract class WardenCalls {
  protected abstract readonly jobsApi: JobsApi;
  protected abstract readonly operations: Operations;
  protected abstract readonly supervision: SupervisionApi;

  // The jobs API (facade/jobsApi.ts).
  defineJob<Payload = unknown, Result = unknown, Checkpoint = unknown>(
    type: string,
    definition: JobDefinition<Payload, Result, Checkpoint>,
  ): JobType<Payload, Result> {
    return this.jobsApi.defineJob(type, definition);
  }
  enqueue<Payload>(
    type: string,
    payload: Payload,
    options?: EnqueueOptions,
  ): Promise<Job<Payload>> {
    return this.jobsApi.enqueue(type, payload, options);
  }
  enqueueMany(items: readonly EnqueueItem[]): Promise<Job[]> {
    return this.jobsApi.enqueueMany(items);
  }
  getJob(id: string): Promise<Job | undefined> {
    return this.jobsApi.getJob(id);
  }
  listJobs(filter?: JobFilter): Promise<Job[]> {
    return this.jobsApi.listJobs(filter);
  }
  listJobsPage(filter?: JobFilter): Promise<JobPage> {
    return this.jobsApi.listJobsPage(filter);
  }
  countJobs(type?: string): Promise<Record<JobStatus, number>> {
    return this.jobsApi.countJobs(type);
  }
  getJobHistory(id: string): Promise<JobHistoryEntry[]> {
    return this.jobsApi.getJobHistory(id);
  }
  waitForJob(id: string, options?: WaitOptions): Promise<Job> {
    return this.jobsApi.waitForJob(id, options);
  }
  cancelJob(id: string): Promise<Job> {
    return this.jobsApi.cancelJob(id);
  }
  retryJob(id: string): Promise<Job> {
    return this.jobsApi.retryJob(id);
  }
  pauseJobType(type: string): Promise<boolean> {
    return this.operations.pauseJobType(type);
  }
  resumeJobType(type: string): Promise<boolean> {
    return this.operations.resumeJobType(type);
  }
  pausedJobTypes(): Promise<PausedTypeRecord[]> {
    return this.operations.pausedJobTypes();
  }

  // The supervision API (facade/supervisionApi.ts).
  supervise(spec: ChildSpec): Promise<ActorHandle> {
    return this.supervision.supervise(spec);
  }
  tree(): TreeNode {
    return this.supervision.tree();
  }
  deadActors(): Promise<DeadActorRecord[]> {
    return this.supervision.deadActors();
  }
  getActorHistory(id: string, limit?: number): Promise<ActorEventRecord[]> {
    return this.supervision.getActorHistory(id, limit);
  }
  undeliverable(id?: string): Promise<UndeliverableRecord[]> {
    return this.supervision.undeliverable(id);
  }
  stopActor(id: string): Promise<void> {
    return this.supervision.stopActor(id);
  }
  restartActor(id: string): Promise<void> {
    return this.supervision.restartActor(id);
  }
  removeActor(id: string): Promise<void> {
    return this.supervision.removeActor(id);
  }
  send(id: string, event: { readonly type: string; readonly [field: string]: unknown }): boolean {
    return this.supervision.send(id, event);
  }
}

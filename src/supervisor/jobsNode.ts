import { coerceError, serializeError, type SerializedError } from '../errors.js';
import { actorStatusCell, type ActorMachineEvent } from '../machines/actorMachine.js';
import type { ResolvedWorkerSpec } from './childSpec.js';
import { defaultChildOptions } from './childSpec.js';
import { resolveBackoff } from './backoff.js';
import type { JobScheduler } from './jobScheduler.js';
import {
  publishLifecycle,
  reportRefused,
  type NodeParent,
  type NodeRef,
  type SupervisedNode,
  type SupervisionRuntime,
  type TreeNode,
} from './supervision.js';

/** The id of the job runner in the supervision tree. */
export const jobsNodeId = 'jobs';

/**
 * The job runner as a child of the root supervisor: starting it recovers stalled jobs and starts
 * the scheduler; stopping it gives running jobs their grace period, then aborts them.
 */
export class JobsNode implements SupervisedNode {
  readonly id = jobsNodeId;
  readonly spec: ResolvedWorkerSpec = {
    id: jobsNodeId,
    kind: 'worker',
    restart: 'permanent',
    shutdownMs: 0,
    backoff: resolveBackoff('backoff', defaultChildOptions.backoff),
    onExhausted: 'escalate',
    start: undefined,
    logic: undefined,
    input: undefined,
    startTimeoutMs: undefined,
    maxRunMs: undefined,
  };
  restarts = 0;
  /** The grace period the next stop gives running jobs. */
  graceMs = 10_000;
  private readonly cell = actorStatusCell();
  private lastError: SerializedError | undefined;

  constructor(
    private readonly scheduler: JobScheduler,
    private readonly parent: NodeParent,
    private readonly runtime: SupervisionRuntime,
  ) {
    scheduler.onFailure = (error) => {
      this.exitAbnormally(error);
    };
  }

  get state(): string {
    return this.cell.status;
  }

  get alive(): boolean {
    const state = this.cell.status;
    return state === 'starting' || state === 'running' || state === 'stopping';
  }

  get dead(): boolean {
    return this.cell.status === 'dead';
  }

  start(): void {
    this.send({ type: 'START' });
    publishLifecycle(this.runtime, this.ref, { kind: 'started' });
    try {
      this.scheduler.start(); // recovers stalled jobs: the database must answer
    } catch (error) {
      this.exitAbnormally(coerceError(error));
      return;
    }
    this.send({ type: 'READY' });
    this.parent.childStarted(this);
  }

  /** The job runner failed (the database kept refusing its writes): its supervisor decides. */
  private exitAbnormally(error: Error): void {
    const state = this.cell.status;
    if (state !== 'starting' && state !== 'running') return;
    this.send({ type: 'EXIT' });
    this.lastError = serializeError(error);
    publishLifecycle(this.runtime, this.ref, {
      kind: 'exited',
      reason: 'abnormal',
      error: this.lastError,
    });
    this.parent.childExited(this, 'abnormal', error);
  }

  async stop(): Promise<void> {
    if (!this.alive) {
      // Exited after a failure: let go of whoever still waits on the runner.
      await this.scheduler.stop(0);
      return;
    }
    this.send({ type: 'STOP' });
    await this.scheduler.stop(this.graceMs);
    this.send({ type: 'EXIT' });
    publishLifecycle(this.runtime, this.ref, { kind: 'exited', reason: 'shutdown' });
  }

  scheduleRestart(): void {
    this.restarts++;
    this.send({ type: 'RESTART' });
  }

  markDead(): void {
    this.send({ type: 'DEAD' });
  }

  revive(): void {
    this.send({ type: 'REVIVE' });
  }

  find(id: string): SupervisedNode | undefined {
    return id === this.id ? this : undefined;
  }

  snapshot(): TreeNode {
    return {
      id: this.id,
      kind: 'worker',
      state: this.cell.status,
      restarts: this.restarts,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  private send(event: ActorMachineEvent): void {
    if (!this.cell.send(event))
      reportRefused(this.runtime, `actor ${this.id}`, this.cell.status, event.type);
  }

  private get ref(): NodeRef {
    return { actorId: this.id, supervisorId: this.parent.id, restarts: this.restarts };
  }
}

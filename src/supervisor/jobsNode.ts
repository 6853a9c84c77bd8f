import { actorStatusCell, type ActorMachineEvent } from '../machines/actorMachine.js';
import type { ResolvedWorkerSpec } from './childSpec.js';
import { defaultChildOptions } from './childSpec.js';
import { resolveBackoff } from './backoff.js';
import type { JobScheduler } from './jobScheduler.js';
import type { NodeParent, SupervisedNode, SupervisionRuntime, TreeNode } from './supervision.js';

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

  constructor(
    private readonly scheduler: JobScheduler,
    private readonly parent: NodeParent,
    private readonly runtime: SupervisionRuntime,
  ) {}

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
    this.record('started');
    this.scheduler.start();
    this.send({ type: 'READY' });
    this.parent.childStarted(this);
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    this.send({ type: 'STOP' });
    await this.scheduler.stop(this.graceMs);
    this.send({ type: 'EXIT' });
    this.record('exited');
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
    return { id: this.id, kind: 'worker', state: this.cell.status, restarts: this.restarts };
  }

  private send(event: ActorMachineEvent): void {
    this.cell.send(event);
  }

  private record(kind: 'started' | 'exited'): void {
    const at = this.runtime.clock.now();
    const base = { actorId: this.id, supervisorId: this.parent.id, at, restarts: this.restarts };
    if (kind === 'started') {
      this.runtime.store.recordActorEvent({ ...base, kind });
      this.runtime.emit({ type: 'actor.started', ...base });
    } else {
      this.runtime.store.recordActorEvent({ ...base, kind, reason: 'shutdown' });
      this.runtime.emit({ type: 'actor.exited', ...base, reason: 'shutdown' });
    }
  }
}

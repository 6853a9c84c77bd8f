import {
  actorStatusCell,
  type ActorMachineEvent,
  type ActorStatus,
} from '../machines/actorMachine.js';
import { serializeError } from '../errors.js';
import { defaultChildOptions, type OnExhausted, type ResolvedWorkerSpec } from './childSpec.js';
import {
  ErrorLog,
  publishDead,
  publishLifecycle,
  reportRefused,
  type NodeParent,
  type NodeRef,
  type SupervisedNode,
  type SupervisionRuntime,
  type TreeNode,
} from './supervision.js';

/** The spec of a leaf Warden runs itself (the job runner, a breaker): no user function to call. */
export function builtInSpec(id: string, onExhausted: OnExhausted): ResolvedWorkerSpec {
  return {
    id,
    kind: 'worker',
    restart: 'permanent',
    shutdownMs: 0,
    backoff: defaultChildOptions.backoff,
    onExhausted,
    start: null,
    logic: null,
    input: undefined,
    startTimeoutMs: null,
    maxRunMs: null,
  };
}

/**
 * What every leaf of the supervision tree shares (a worker, the job runner, a breaker): its
 * status as an `actorMachine` actor, its restart count, its last errors, and the bookkeeping a
 * supervisor drives (restart, dead-letter, revive). Subclasses start and stop the actual work.
 */
export abstract class LeafNode implements SupervisedNode {
  abstract readonly id: string;
  abstract readonly spec: ResolvedWorkerSpec;
  restarts = 0;
  protected readonly cell = actorStatusCell();
  protected readonly errors = new ErrorLog();

  constructor(
    protected readonly parent: NodeParent,
    protected readonly runtime: SupervisionRuntime,
  ) {}

  abstract start(): void;
  abstract stop(): Promise<void>;

  get state(): ActorStatus {
    return this.cell.status;
  }

  get alive(): boolean {
    const state = this.cell.status;
    return state === 'starting' || state === 'running' || state === 'stopping';
  }

  get dead(): boolean {
    return this.cell.status === 'dead';
  }

  find(id: string): SupervisedNode | undefined {
    return id === this.id ? this : undefined;
  }

  snapshot(): TreeNode {
    const lastError = this.errors.last;
    return {
      id: this.id,
      kind: 'worker',
      state: this.cell.status,
      restarts: this.restarts,
      ...(lastError === undefined ? {} : { lastError }),
    };
  }

  scheduleRestart(): void {
    this.restarts++;
    this.transition({ type: 'RESTART' });
  }

  markDead(persist = true): void {
    this.transition({ type: 'DEAD' });
    if (persist) publishDead(this.runtime, this.ref, 'worker', this.errors.all());
  }

  revive(): void {
    this.transition({ type: 'REVIVE' });
  }

  /** The work failed while starting or running: recorded, emitted, and left to the supervisor. */
  protected exitAbnormally(error: Error): void {
    const state = this.cell.status;
    if (state !== 'starting' && state !== 'running') return;
    this.transition({ type: 'EXIT' });
    const serialized = serializeError(error);
    this.errors.push(serialized);
    publishLifecycle(this.runtime, this.ref, {
      kind: 'exited',
      reason: 'abnormal',
      error: serialized,
    });
    this.parent.childExited(this, 'abnormal', error);
  }

  /** The machine is the law: an event its status does not accept changes nothing and is logged. */
  protected transition(event: ActorMachineEvent): void {
    const from = this.cell.status;
    if (!this.cell.send(event)) {
      reportRefused(this.runtime, `actor ${this.id}`, this.cell.status, event.type);
      return;
    }
    this.runtime.states?.moved('actor', from, this.cell.status);
  }

  protected get ref(): NodeRef {
    return { actorId: this.id, supervisorId: this.parent.id, restarts: this.restarts };
  }
}

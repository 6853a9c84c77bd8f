import type { TimerHandle } from '../clock.js';
import {
  coerceError,
  PoolOperationTimeoutError,
  ResourceLostError,
  ShutdownError,
} from '../errors.js';
import {
  nextSlotState,
  type SlotMachineEvent,
  type SlotState,
} from '../machines/poolSlotMachine.js';
import type { ResolvedWorkerSpec } from './childSpec.js';
import { LeafNode } from './leafNode.js';
import {
  publishLifecycle,
  reportRefused,
  type NodeParent,
  type SupervisionRuntime,
  type TreeNode,
} from './supervision.js';
import type { PoolOperationContext, ResolvedPoolOptions } from '../actors/poolOptions.js';

/** What a slot needs from its pool. */
export interface SlotHost<R> {
  readonly name: string;
  readonly options: Pick<
    ResolvedPoolOptions<R>,
    'create' | 'destroy' | 'createTimeoutMs' | 'destroyTimeoutMs'
  >;
  /** The slot's resource died on its own. */
  lost(slot: SlotNode<R>, error: Error): void;
  /** The slot's resource is ready to be handed out. */
  slotReady(slot: SlotNode<R>): void;
  /** The slot ended for good (destroyed and not to be recreated), or is to be recreated. */
  slotGone(slot: SlotNode<R>, error: Error | undefined): void;
  /** The slot is being stopped: a lease of it is taken back from its holder first. */
  slotStopping(slot: SlotNode<R>): void;
  /** False once the pool drains, stops or has been given up: no resource is made then. */
  running(): boolean;
  /** A create or destroy failed or was abandoned. */
  operationFailed(operation: 'create' | 'destroy', error: Error): void;
}

/**
 * Runs `operation` with a signal that aborts past `timeoutMs`; a late result is abandoned (and a
 * late resource destroyed by `abandon`).
 */
function bounded<T>(
  runtime: SupervisionRuntime,
  pool: string,
  name: 'create' | 'destroy' | 'validate',
  timeoutMs: number,
  operation: (ctx: PoolOperationContext) => T | Promise<T>,
  abandon: (late: T) => void = () => undefined,
  controller = new AbortController(),
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer: TimerHandle = runtime.clock.setTimeout(() => {
      if (done) return;
      done = true;
      const error = new PoolOperationTimeoutError(pool, name, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    Promise.resolve()
      .then(() => operation({ signal: controller.signal }))
      .then(
        (value) => {
          if (done) {
            abandon(value);
            return;
          }
          done = true;
          runtime.clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          if (done) return;
          done = true;
          runtime.clock.clearTimeout(timer);
          reject(coerceError(error));
        },
      );
  });
}

export { bounded as boundedOperation };

/**
 * One slot of a pool as a supervised child of the pool's supervisor: starting it creates its
 * resource (bounded by `createTimeoutMs`); a failed create, or a resource found broken or dead, is
 * an abnormal exit, so the supervisor recreates it after a backoff and, past its intensity, gives
 * the pool up. A resource retired in the normal way (too old, used up, idle) is a normal exit:
 * the slot is removed and the pool makes new ones as it needs them. The slot's own states are
 * `poolSlotMachine`'s, checked against its derived transition table on every change.
 */
export class SlotNode<R> extends LeafNode {
  readonly id: string;
  slot: SlotState = 'creating';
  resource: R | undefined;
  createdAt = 0;
  /** Leases handed out of this resource. */
  uses = 0;
  /** When it last became idle. */
  idleSince = 0;
  /** Set when the resource must go once released, and whether that is abnormal. */
  private ending: { abnormal: Error | undefined } | undefined;
  private stopping: Promise<void> | undefined;
  /** Bumped on each start, so an old create's result is recognised as late. */
  private run = 0;
  /** The create under way: aborted by a stop, which waits for it to settle. */
  private creation: { controller: AbortController; settled: Promise<void> } | undefined;
  /** `lost()` was called before `create` resolved: the resource is dead on arrival. */
  private lostEarly: Error | undefined;

  constructor(
    id: string,
    readonly spec: ResolvedWorkerSpec,
    private readonly host: SlotHost<R>,
    parent: NodeParent,
    runtime: SupervisionRuntime,
  ) {
    super(parent, runtime);
    this.id = id;
  }

  override snapshot(): TreeNode {
    return { ...super.snapshot(), slot: this.slot } as TreeNode;
  }

  /** Applies a slot event; false (and logged) when the machine refuses it. */
  move(event: SlotMachineEvent['type']): boolean {
    const to = nextSlotState(this.slot, event);
    if (to === undefined) {
      reportRefused(this.runtime, `slot ${this.id}`, this.slot, event);
      return false;
    }
    this.runtime.states?.moved('slot', this.slot, to);
    this.slot = to;
    return true;
  }

  start(): void {
    this.transition({ type: 'START' });
    publishLifecycle(this.runtime, this.ref, { kind: 'started' });
    // A slot found `creating` at its start is new (or was never counted): it enters now.
    this.runtime.states?.moved(
      'slot',
      this.slot === 'creating' ? undefined : this.slot,
      'creating',
    );
    this.slot = 'creating';
    this.resource = undefined;
    this.createdAt = 0;
    this.uses = 0;
    this.ending = undefined;
    this.stopping = undefined;
    this.lostEarly = undefined;
    const run = ++this.run;
    // The supervisor need not wait for the resource: slots are created side by side.
    this.transition({ type: 'READY' });
    this.parent.childStarted(this);
    const { host } = this;
    if (!host.running()) {
      // Restarted after its pool began to drain (or was given up): it makes nothing, and ends.
      this.move('CREATE_FAILED');
      host.slotGone(this, undefined);
      this.endNormally();
      return;
    }
    const lost = (error?: Error): void => {
      if (run !== this.run) return; // a resource of an earlier run of this slot
      const reason = error ?? new ResourceLostError(host.name);
      if (this.slot === 'creating') this.lostEarly ??= reason;
      else host.lost(this, reason);
    };
    const controller = new AbortController();
    let late: Promise<void> = Promise.resolve();
    const created = bounded(
      this.runtime,
      host.name,
      'create',
      host.options.createTimeoutMs,
      (ctx) => host.options.create({ signal: ctx.signal, lost }),
      (resource) => {
        late = this.destroyResource(resource); // created after its timeout: abandoned
      },
      controller,
    ).then(
      (resource) => {
        if (run !== this.run || this.slot !== 'creating') {
          late = this.destroyResource(resource);
          return;
        }
        this.resource = resource;
        this.createdAt = this.runtime.clock.now();
        this.idleSince = this.createdAt;
        this.move('CREATED');
        const early = this.lostEarly;
        if (early !== undefined) host.lost(this, early);
        else host.slotReady(this);
      },
      (error: unknown) => {
        if (run !== this.run || this.slot !== 'creating') return;
        const reason = coerceError(error);
        host.operationFailed('create', reason);
        this.move('CREATE_FAILED');
        host.slotGone(this, reason);
        // A pool that no longer makes resources does not have this one recreated.
        if (host.running()) this.exitAbnormally(reason);
        else this.endNormally();
      },
    );
    this.creation = {
      controller,
      settled: created.then(() => late),
    };
  }

  /** Ends the slot for good: a normal exit, which its supervisor does not restart. */
  private endNormally(): void {
    if (this.cell.status !== 'running') return;
    this.transition({ type: 'EXIT' });
    publishLifecycle(this.runtime, this.ref, { kind: 'exited', reason: 'normal' });
    this.parent.childExited(this, 'normal', undefined);
  }

  /**
   * Retires the resource: destroyed now if it is not leased, or once it is released. With
   * `abnormal`, the slot then exits abnormally (the supervisor recreates it); otherwise normally.
   */
  retire(abnormal?: Error): void {
    if (this.ending !== undefined) {
      this.ending.abnormal ??= abnormal;
      return;
    }
    this.ending = { abnormal };
    if (this.slot === 'leased') {
      this.move('RETIRE');
      return;
    }
    if (this.slot === 'idle' || this.slot === 'validating') {
      this.move('RETIRE');
      void this.finish();
    }
  }

  /** True once the resource is to go. */
  get retiring(): boolean {
    return this.ending !== undefined;
  }

  /** The holder gave the resource back; a retiring one is destroyed now. */
  released(): void {
    this.move('RELEASE');
    if (this.slot === 'destroying') void this.finish();
  }

  /** Destroys the resource, then ends the slot the way its retirement said. */
  private async finish(): Promise<void> {
    const abnormal = this.ending?.abnormal;
    const resource = this.resource;
    this.resource = undefined;
    await this.destroyResource(resource);
    if (this.slot !== 'destroying') return; // a stop ended it meanwhile
    this.move('DESTROYED');
    this.host.slotGone(this, abnormal);
    if (this.cell.status !== 'running') return;
    if (abnormal !== undefined && this.host.running()) this.exitAbnormally(abnormal);
    else this.endNormally();
  }

  private async destroyResource(resource: R | undefined): Promise<void> {
    if (resource === undefined) return;
    try {
      const { destroy, destroyTimeoutMs } = this.host.options;
      if (destroy === null) return;
      await bounded(this.runtime, this.host.name, 'destroy', destroyTimeoutMs, (ctx) =>
        destroy(resource, ctx),
      );
    } catch (error) {
      this.host.operationFailed('destroy', coerceError(error));
    }
  }

  /** Stops the slot: a lease of it is taken back, a create under way aborted and waited for, the resource destroyed. */
  stop(): Promise<void> {
    if (!this.alive) return Promise.resolve();
    if (this.stopping !== undefined) return this.stopping;
    this.transition({ type: 'STOP' });
    this.host.slotStopping(this);
    const creation = this.slot === 'creating' ? this.creation : undefined;
    this.run++; // a create still running is abandoned: its resource is destroyed when it comes
    creation?.controller.abort(new ShutdownError(`pool ${this.host.name} is stopping`));
    // Down the machine's own paths to `destroying` (or `destroyed` for a slot still creating).
    if (this.slot === 'creating') this.move('CREATE_FAILED');
    if (this.slot === 'idle' || this.slot === 'validating' || this.slot === 'leased') {
      this.move('RETIRE');
    }
    if (this.slot === 'retiring') this.move('RELEASE');
    const resource = this.resource;
    this.resource = undefined;
    this.stopping = (async () => {
      await creation?.settled; // bounded by createTimeoutMs; a late resource is destroyed
      await this.destroyResource(resource);
      if (this.slot === 'destroying') this.move('DESTROYED');
      this.host.slotGone(this, undefined);
      this.transition({ type: 'EXIT' });
      publishLifecycle(this.runtime, this.ref, { kind: 'exited', reason: 'shutdown' });
    })();
    return this.stopping;
  }
}

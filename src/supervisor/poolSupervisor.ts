import { ResourcePool } from './resourcePool.js';
import type { ResolvedPoolOptions } from '../actors/poolOptions.js';
import { SupervisorEscalatedError } from '../errors.js';
import { poolIdPrefix, systemSupervisorSpec } from './rootNode.js';
import type { NodeParent, SupervisionRuntime } from './supervision.js';
import { SupervisorNode } from './supervisorActor.js';

/**
 * A pool's supervisor, a child of `pools`: its children are the pool's slots. Starting it makes
 * the pool's `min` resources; stopping it drains the pool (leases get `drainTimeoutMs` to come
 * back) before its slots are stopped, newest first. Past its restart intensity (creates that keep
 * failing, resources that keep dying) it is dead-lettered, not escalated: the pool then refuses
 * acquires with `PoolClosedError` carrying the last create error, and `restartActor` brings it back.
 */
export class PoolSupervisorNode<R> extends SupervisorNode {
  readonly pool: ResourcePool<R>;
  /** Drains this pool before its slots stop: set by the registry to drain every pool at once. */
  drainFirst: () => Promise<void> = () => this.pool.drain();

  constructor(
    name: string,
    options: ResolvedPoolOptions<R>,
    parent: NodeParent,
    runtime: SupervisionRuntime,
  ) {
    const id = `${poolIdPrefix}${name}`;
    super(systemSupervisorSpec(id, options.supervision, 'dead-letter'), parent, runtime);
    this.pool = new ResourcePool(name, id, options, this, runtime);
  }

  override start(): void {
    this.dropEndedChildren(); // a revived pool makes its slots anew
    super.start();
    this.pool.started();
  }

  override async stop(): Promise<void> {
    const state = this.state;
    if (state === 'starting' || state === 'running') await this.drainFirst();
    await super.stop();
  }

  override markDead(persist = true): void {
    super.markDead(persist);
    this.pool.failed(
      new SupervisorEscalatedError(this.id, this.spec.maxRestarts, this.spec.withinMs),
    );
  }
}

import { ResourcePool } from '../actors/resourcePool.js';
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
  /** A bound on the next stop's drain (Warden's `stop({ graceMs })`), below `drainTimeoutMs`. */
  graceMs = Number.POSITIVE_INFINITY;

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
    super.start();
    this.pool.started();
  }

  override async stop(): Promise<void> {
    const state = this.state;
    if (state === 'starting' || state === 'running') {
      const timeoutMs = Math.min(this.pool.options.drainTimeoutMs, this.graceMs);
      await this.pool.drain({ timeoutMs });
    }
    await super.stop();
  }

  override markDead(persist = true): void {
    super.markDead(persist);
    this.pool.failed(
      new SupervisorEscalatedError(this.id, this.spec.maxRestarts, this.spec.withinMs),
    );
  }
}

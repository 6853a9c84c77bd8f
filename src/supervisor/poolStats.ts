import type { PoolStats } from '../actors/pool.js';
import type { ResolvedPoolOptions } from '../actors/poolOptions.js';
import type { SlotNode } from './slotNode.js';

/** What `poolStats` reads from a pool. */
export interface PoolCounts<R> {
  readonly state: PoolStats['state'];
  readonly options: Pick<ResolvedPoolOptions<R>, 'min' | 'max' | 'saturation'>;
  readonly slots: ReadonlySet<SlotNode<R>>;
  readonly waiting: number;
  readonly counts: Pick<
    PoolStats,
    | 'created'
    | 'destroyed'
    | 'abandoned'
    | 'acquires'
    | 'acquireTimeouts'
    | 'consecutiveCreateFailures'
  >;
  readonly errors: PoolStats['errors'];
  readonly now: number;
}

/** Creates that fail in a row before a pool reports itself degraded. */
export const degradedAfterCreateFailures = 3;

/** A pool's stats: sizes by slot state, utilisation and whether it is degraded. */
export function poolStats<R>(pool: PoolCounts<R>): PoolStats {
  let idle = 0;
  let leased = 0;
  let creating = 0;
  const resources: PoolStats['resources'][number][] = [];
  for (const slot of pool.slots) {
    if (slot.slot === 'idle') idle++;
    else if (slot.slot === 'leased' || slot.slot === 'retiring') leased++;
    else if (slot.slot === 'creating') creating++;
    resources.push({
      slot: slot.id,
      state: slot.slot,
      uses: slot.uses,
      ageMs: slot.createdAt === 0 ? 0 : pool.now - slot.createdAt,
    });
  }
  const utilisation = leased / pool.options.max;
  const saturated = utilisation >= pool.options.saturation && pool.waiting > 0;
  return {
    state: pool.state,
    size: pool.slots.size,
    min: pool.options.min,
    max: pool.options.max,
    idle,
    leased,
    creating,
    waiting: pool.waiting,
    ...pool.counts,
    errors: { ...pool.errors },
    utilisation,
    saturated,
    degraded: saturated || pool.counts.consecutiveCreateFailures >= degradedAfterCreateFailures,
    resources,
  };
}

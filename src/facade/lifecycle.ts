import type { Clock } from '../clock.js';
import { NotRunningError } from '../errors.js';
import type { EventBus } from '../events/eventBus.js';
import { HealthMonitor } from '../observability/health.js';
import type { ResolvedHealthOptions } from '../observability/healthOptions.js';
import type { WardenState } from '../observability/healthTypes.js';
import type { BreakerRegistry } from '../supervisor/breakerRegistry.js';
import type { PoolRegistry } from '../supervisor/poolRegistry.js';
import type { JobRunner } from '../supervisor/runner/jobRunner.js';
import type { SupervisorNode } from '../supervisor/supervisorActor.js';

export type { Health, WardenState } from '../observability/healthTypes.js';

/**
 * A Warden's lifecycle state and whether its root supervisor gave up: what every API call checks
 * before it does anything.
 */
export class Lifecycle {
  state: WardenState = 'idle';
  /** Why the root supervisor gave up (or another process took the file over), once it has. */
  rootFailure: Error | undefined;

  /** True once `stop()` was called: nothing new may be created. */
  get closing(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  /** Refuses `operation` unless Warden is running and its root supervisor is up. */
  assertRunning(operation: string): void {
    if (this.state !== 'running') throw new NotRunningError(operation, this.state);
    if (this.rootFailure !== undefined) {
      throw new NotRunningError(operation, 'down: its root supervisor gave up');
    }
  }

  /** Refuses `operation` (a read) unless the database is open: running, or stopping. */
  assertOpen(operation: string): void {
    if (this.state !== 'running' && this.state !== 'stopping')
      throw new NotRunningError(operation, this.state);
  }
}

/** The parts of a Warden that `health()` reads. */
export interface HealthParts {
  readonly options: ResolvedHealthOptions;
  readonly clock: Clock;
  readonly lifecycle: Lifecycle;
  readonly bus: EventBus;
  readonly runner: JobRunner;
  readonly root: SupervisorNode;
  readonly breakers: BreakerRegistry;
  readonly pools: PoolRegistry;
}

/**
 * The monitor behind `warden.health()`. It reads the root supervisor's own state, so health is
 * unhealthy the moment the root gives up (`failing`, while it still stops its children and
 * before `onFatal` is called), not only once it has stopped them.
 */
export function watchHealth(parts: HealthParts): HealthMonitor {
  const { lifecycle, root, breakers, pools, bus, clock } = parts;
  return new HealthMonitor({
    now: () => clock.now(),
    options: parts.options,
    lifecycle: () => lifecycle.state,
    downBecause: () => lifecycle.rootFailure,
    rootState: () => root.state,
    rootError: () => root.snapshot().lastError,
    runner: parts.runner,
    breakers: () => breakers.all(),
    pools: () => pools.all(),
    on: (type, listener) => bus.on(type, listener),
  });
}

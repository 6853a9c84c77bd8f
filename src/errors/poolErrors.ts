import { quote, WardenError } from './wardenError.js';

/** An acquire that found no free resource within its `acquireTimeoutMs`; it left no waiter behind. */
export class PoolTimeoutError extends WardenError {
  declare readonly code: 'POOL_TIMEOUT';
  constructor(
    readonly pool: string,
    readonly timeoutMs: number,
    /** What the pool looked like then: why nothing was free. */
    readonly state: { readonly size: number; readonly leased: number; readonly waiting: number },
    options?: { cause?: unknown },
  ) {
    super(
      'POOL_TIMEOUT',
      `no resource of pool ${quote(pool)} was free within ${timeoutMs} ms (${state.leased} of ${state.size} leased, ${state.waiting} other acquirers waiting)${
        options?.cause instanceof Error ? `; the last create failed: ${options.cause.message}` : ''
      }`,
      options,
    );
  }
}

/** A pool that is draining, stopped, or dead-lettered after its creates kept failing. */
export class PoolClosedError extends WardenError {
  declare readonly code: 'POOL_CLOSED';
  constructor(
    readonly pool: string,
    readonly state: string,
    options?: { cause?: unknown },
  ) {
    super(
      'POOL_CLOSED',
      state === 'failed'
        ? `pool ${quote(pool)} was given up after its creates kept failing${
            options?.cause instanceof Error ? ` (the last: ${options.cause.message})` : ''
          }; restartActor('pool:${pool}') brings it back`
        : `pool ${quote(pool)} is ${state}: it hands out no resources`,
      options,
    );
  }
}

/** A lease used after it ended: released twice, or after `destroy()`. */
export class LeaseEndedError extends WardenError {
  declare readonly code: 'LEASE_ENDED';
  constructor(
    readonly pool: string,
    readonly how: 'released' | 'destroyed',
    attempted: string,
  ) {
    super(
      'LEASE_ENDED',
      `this lease of pool ${quote(pool)} was already ${how}: cannot ${attempted}`,
    );
  }
}

/** A pool's `create`, `destroy` or `validate` ran past its timeout; the resource was abandoned. */
export class PoolOperationTimeoutError extends WardenError {
  declare readonly code: 'POOL_OPERATION_TIMEOUT';
  constructor(
    readonly pool: string,
    readonly operation: 'create' | 'destroy' | 'validate',
    readonly timeoutMs: number,
  ) {
    super(
      'POOL_OPERATION_TIMEOUT',
      `pool ${quote(pool)}: ${operation} did not finish within ${timeoutMs} ms`,
    );
  }
}

/** A resource of a pool died on its own (its process exited, its connection dropped). */
export class ResourceLostError extends WardenError {
  declare readonly code: 'RESOURCE_LOST';
  constructor(
    readonly pool: string,
    /** What happened to it, when known. */
    detail?: string,
  ) {
    super(
      'RESOURCE_LOST',
      detail === undefined
        ? `a resource of pool ${quote(pool)} died`
        : `a resource of pool ${quote(pool)} died: ${detail}`,
    );
  }
}

/** A browser pool's page or context did not close in time: the browser is destroyed rather than reused. */
export class BrowserCleanupError extends WardenError {
  declare readonly code: 'BROWSER_CLEANUP_FAILED';
  constructor(
    readonly step: 'page' | 'context',
    readonly timeoutMs: number,
  ) {
    super('BROWSER_CLEANUP_FAILED', `closing the ${step} took longer than ${timeoutMs} ms`);
  }
}

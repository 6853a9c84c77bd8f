import type { CallGate } from '../../actors/callPermit.js';
import type { ResolvedJobDefinition } from '../../actors/jobDefinition.js';
import type { Pool } from '../../actors/pool.js';
import type { Clock } from '../../clock.js';
import type { EventBus } from '../../events/eventBus.js';
import type { Logger } from '../../observability/logger.js';
import type { StateObserver } from '../../observability/metrics/stateObserver.js';
import type { BatchStep, StepResult, Store } from '../../persistence/Store.js';

/** What the runner tells of job state changes: each committed batch's, and the fallbacks'. */
export interface RunnerStates extends StateObserver {
  committed(steps: readonly BatchStep[], results: readonly StepResult[]): void;
}

/** Options of the job runner. */
export interface JobRunnerOptions {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  readonly concurrency: number;
  /** The most jobs this process holds claimed or running at once. */
  readonly claimDepth: number;
  readonly maxStalls: number;
  /** This process's token: it marks the fallbacks it adopts. */
  readonly owner: string;
  readonly definitions: ReadonlyMap<string, ResolvedJobDefinition>;
  /** The breaker that admits jobs of `type`, for types that declare one. */
  readonly gate?: (type: string) => CallGate | undefined;
  /** Job types that are not claimed (paused); the runner reads it at every claim. */
  readonly paused?: ReadonlySet<string>;
  /** The pool named `name`, for `ctx.acquire` and `ctx.use` in handlers. */
  readonly pool?: (name: string) => Pool<unknown> | undefined;
  /** Told of every job state change this runner commits or makes (the metrics' time in state). */
  readonly states?: RunnerStates;
}

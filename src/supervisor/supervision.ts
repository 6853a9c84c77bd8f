import type { Clock } from '../clock.js';
import type { SerializedError } from '../errors.js';
import type { ActorEvent } from '../events/types.js';
import type { Logger } from '../observability/logger.js';
import type { ActorStore } from '../persistence/Store.js';
import type { ResolvedChildSpec } from './childSpec.js';

/** One node of `warden.tree()`: a serialisable snapshot of a supervised actor. */
export interface TreeNode {
  readonly id: string;
  readonly kind: 'supervisor' | 'worker';
  /** The node's machine state: `running`, `restarting`, `dead`, ... */
  readonly state: string;
  readonly restarts: number;
  /** For supervisors: the restart strategy. */
  readonly strategy?: string;
  /** The error of its last abnormal exit, if any. */
  readonly lastError?: SerializedError;
  /** For supervisors: their children, in start order. */
  readonly children?: readonly TreeNode[];
}

/** What every node of the tree shares: time, logs, storage and the event bus. */
export interface SupervisionRuntime {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: ActorStore;
  random(): number;
  emit(event: ActorEvent): void;
  /** Ids recorded as dead-lettered when the database was opened. */
  readonly deadAtStart: ReadonlySet<string>;
}

/** How a node reports to the supervisor above it. */
export interface NodeParent {
  readonly id: string;
  /** The child finished starting. */
  childStarted(child: SupervisedNode): void;
  /** The child ended on its own (not stopped by this parent); the parent applies its strategy. */
  childExited(child: SupervisedNode, reason: 'normal' | 'abnormal', error: Error | undefined): void;
}

/** A node of the supervision tree: a worker actor or a supervisor. */
export interface SupervisedNode {
  readonly id: string;
  readonly spec: ResolvedChildSpec;
  /** How many times it has been restarted. */
  restarts: number;
  /** Its machine state. */
  readonly state: string;
  /** True while starting, running or stopping. */
  readonly alive: boolean;
  /** True once dead-lettered. */
  readonly dead: boolean;
  /** Begins starting; the parent hears `childStarted` or `childExited`. */
  start(): void;
  /** Stops it gracefully (reverse order for supervisors); resolves once it has stopped. */
  stop(): Promise<void>;
  /** Marks it as about to be restarted after a backoff. */
  scheduleRestart(): void;
  /** Dead-letters it: stopped for good, recorded with its last errors (unless `persist` is false: already recorded). */
  markDead(persist?: boolean): void;
  /** Brings a dead-lettered node back to `idle`, ready to start. */
  revive(): void;
  /** Finds a node by id in this subtree. */
  find(id: string): SupervisedNode | undefined;
  snapshot(): TreeNode;
}

/** Keeps the last few errors of a node, for its dead-letter record. */
export class ErrorLog {
  private readonly errors: SerializedError[] = [];
  push(error: SerializedError): void {
    this.errors.push(error);
    if (this.errors.length > 10) this.errors.shift();
  }
  get last(): SerializedError | undefined {
    return this.errors.at(-1);
  }
  all(): readonly SerializedError[] {
    return [...this.errors];
  }
}

import type { Clock } from '../clock.js';
import { InvalidTransitionError, type SerializedError } from '../errors.js';
import type { ActorEvent } from '../events/types.js';
import type { ErrorRecord } from '../observability/errorLog.js';
import type { Logger } from '../observability/logger.js';
import type { ActorStore } from '../persistence/Store.js';
import type { ResolvedChildSpec } from './childSpec.js';
import type { StateObserver } from '../observability/metrics/stateObserver.js';

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
  /** Present when it was stopped with `stopActor`: it stays stopped until `restartActor`. */
  readonly stoppedByHand?: true;
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
  /** Ids recorded as dead-lettered when the database was opened; an id leaves once revived or removed. */
  readonly deadAtStart: Set<string>;
  /** Told of every state change of the tree's actors, supervisors and pool slots (time in state). */
  readonly states?: StateObserver | undefined;
  /** Records a failure as an error event (a pool's failed create or check); none records nothing. */
  readonly recordError?: ((record: ErrorRecord) => void) | undefined;
}

/** How a node reports to the supervisor above it. */
export interface NodeParent {
  readonly id: string;
  /** The child finished starting. */
  childStarted(child: SupervisedNode): void;
  /** The child ended on its own (not stopped by this parent); the parent applies its strategy. */
  childExited(child: SupervisedNode, reason: 'normal' | 'abnormal', error: Error | undefined): void;
}

/** A supervisor that takes children of Warden's own (breakers, pools, slots), started at once. */
export interface OwnChildrenParent extends NodeParent {
  readonly state: string;
  addStartedChild(node: SupervisedNode): void;
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

/** What sets one supervisor apart; only the root uses them. */
export interface SupervisorNodeOptions {
  /** Called when this supervisor, having no parent, gives up. @default nothing */
  readonly onFailure?: (error: Error) => void;
  /** The order to stop the children in, given them in start order. @default the reverse, as in OTP */
  readonly stopOrder?: (children: readonly SupervisedNode[]) => readonly SupervisedNode[];
  /** Whether a child's restarts count in a window of its own (with this supervisor's intensity) rather than the shared one. @default none does */
  readonly ownBudget?: (childId: string) => boolean;
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

/** Which node a lifecycle record is about, and its restart count then. */
export interface NodeRef {
  readonly actorId: string;
  readonly supervisorId: string | null;
  readonly restarts: number;
}

/** A lifecycle change to record: written to the store first, then emitted. */
export type Lifecycle =
  | { readonly kind: 'started' }
  | {
      readonly kind: 'exited';
      readonly reason: 'normal' | 'abnormal' | 'shutdown';
      readonly error?: SerializedError | undefined;
    }
  | { readonly kind: 'restarting'; readonly delayMs: number }
  | { readonly kind: 'escalated'; readonly error: SerializedError }
  /** By hand: `stopActor`, `restartActor` of a stopped actor, `removeActor`. */
  | { readonly kind: 'stopped' | 'resumed' | 'removed' };

/**
 * Writes a supervision record. Supervision must go on when the database refuses writes (that is
 * when the job runner fails and is restarted), so a refused record is logged and skipped: the
 * decision is still taken and its event still emitted.
 */
function record(runtime: SupervisionRuntime, write: (store: ActorStore) => void): void {
  try {
    write(runtime.store);
  } catch (error) {
    runtime.logger.error({ err: error }, 'a supervision record could not be written');
  }
}

/** Durable before emitted: writes one lifecycle record, then emits its event. */
export function publishLifecycle(
  runtime: SupervisionRuntime,
  node: NodeRef,
  change: Lifecycle,
): void {
  const base = { ...node, at: runtime.clock.now() };
  switch (change.kind) {
    case 'started':
      record(runtime, (store) => {
        store.recordActorEvent({ ...base, kind: 'started' });
      });
      runtime.emit({ type: 'actor.started', ...base });
      return;
    case 'exited': {
      const error = change.error === undefined ? {} : { error: change.error };
      record(runtime, (store) => {
        store.recordActorEvent({ ...base, kind: 'exited', reason: change.reason, ...error });
      });
      runtime.emit({ type: 'actor.exited', ...base, reason: change.reason, ...error });
      return;
    }
    case 'restarting':
      record(runtime, (store) => {
        store.recordActorEvent({ ...base, kind: 'restarting' });
      });
      runtime.emit({ type: 'actor.restarting', ...base, delayMs: change.delayMs });
      return;
    case 'escalated':
      record(runtime, (store) => {
        store.recordActorEvent({ ...base, kind: 'escalated', error: change.error });
      });
      runtime.emit({ type: 'supervisor.escalated', ...base, error: change.error });
      return;
    case 'stopped':
    case 'resumed':
    case 'removed': {
      const kind = change.kind;
      record(runtime, (store) => {
        store.recordActorEvent({ ...base, kind });
      });
      runtime.emit({ type: `actor.${kind}`, ...base });
      return;
    }
  }
}

/**
 * Closes a node's dead letter by hand: removes its record (which appends a 'revived' one), then
 * emits `actor.revived`. Unlike the other records this one is not best-effort: if the database
 * refuses it, the error is thrown and the node stays dead.
 */
export function publishRevived(runtime: SupervisionRuntime, node: NodeRef): void {
  const at = runtime.clock.now();
  runtime.store.reviveActor(node.actorId, at);
  runtime.deadAtStart.delete(node.actorId);
  runtime.emit({ type: 'actor.revived', ...node, at });
}

/** Every node of a snapshot, depth first, each with the id of the supervisor above it. */
export function* walkTree(
  node: TreeNode,
  supervisorId: string | null,
): Generator<{ readonly node: TreeNode; readonly supervisorId: string | null }> {
  yield { node, supervisorId };
  for (const child of node.children ?? []) yield* walkTree(child, node.id);
}

/** Records a node as dead-lettered with its last errors, then emits `actor.dead`. */
export function publishDead(
  runtime: SupervisionRuntime,
  node: NodeRef,
  kind: 'worker' | 'supervisor',
  errors: readonly SerializedError[],
): void {
  const at = runtime.clock.now();
  record(runtime, (store) => {
    store.markActorDead({ ...node, kind, at, errors });
  });
  runtime.emit({ type: 'actor.dead', ...node, at, errors });
}

/** The machine is the law: a refused status change changes nothing and is logged as a bug. */
export function reportRefused(
  runtime: SupervisionRuntime,
  subject: string,
  status: string,
  event: string,
): void {
  runtime.logger.error(
    { err: new InvalidTransitionError(subject, status, event) },
    'supervision refused a status change',
  );
}

import type { Clock } from '../clock.js';
import {
  ActorNotFoundError,
  DuplicateActorError,
  InvalidOptionError,
  NotRunningError,
} from '../errors.js';
import type { EventBus } from '../events/eventBus.js';
import { checkInteger, checkString } from '../options.js';
import type { SqliteStore } from '../persistence/sqliteStore.js';
import type {
  ActorEventRecord,
  DeadActorRecord,
  UndeliverableRecord,
} from '../persistence/Store.js';
import { WorkerNode } from '../supervisor/workerActor.js';
import { defaultChildOptions, resolveChildSpec, type ChildSpec } from '../supervisor/childSpec.js';
import { isSystemId } from '../supervisor/rootNode.js';
import type { SupervisionRuntime, TreeNode } from '../supervisor/supervision.js';
import { createNode, type SupervisorNode } from '../supervisor/supervisorActor.js';
import type { ActorHandle, TreeControl } from '../supervisor/treeApi.js';
import type { Lifecycle } from './lifecycle.js';

/** What the supervision API works with. */
export interface SupervisionApiScope {
  readonly root: SupervisorNode;
  readonly runtime: SupervisionRuntime;
  readonly control: TreeControl;
  readonly store: SqliteStore;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly lifecycle: Lifecycle;
}

/** Warden's supervision tree: adding actors, reading the tree and its records, acting by hand. */
export class SupervisionApi {
  constructor(private readonly scope: SupervisionApiScope) {}

  /**
   * Adds a supervised actor (or a whole supervisor subtree) under the root supervisor, after
   * Warden's own children; it starts now if Warden is running, or with `start()` otherwise.
   * Resolves with its handle once it has started. Unless its top spec says `onExhausted:
   * 'escalate'`, a tree that spends its restart budget is dead-lettered rather than escalated
   * into the root, so it never takes the job runner, breakers or pools down with it.
   */
  async supervise(spec: ChildSpec): Promise<ActorHandle> {
    const { lifecycle, root } = this.scope;
    if (lifecycle.closing) throw new NotRunningError('supervise', lifecycle.state);
    const ids = new Set<string>();
    const resolved = resolveChildSpec(spec, ids, 'spec', defaultChildOptions.topLevelOnExhausted);
    for (const id of ids) {
      if (isSystemId(id) || root.find(id) !== undefined) {
        throw new DuplicateActorError(id);
      }
    }
    const node = createNode(resolved, root, this.scope.runtime);
    await root.addChild(node);
    return this.scope.control.handle(node);
  }

  /** A serialisable snapshot of the whole supervision tree. */
  tree(): TreeNode {
    return this.scope.root.snapshot();
  }

  /** Actors dead-lettered after their restart budget was spent, with their last errors. */
  async deadActors(): Promise<DeadActorRecord[]> {
    this.scope.lifecycle.assertOpen('read dead actors');
    return this.scope.store.deadActors();
  }

  /** The recorded lifecycle of a supervised actor (starts, exits, restarts, escalations), oldest first. */
  async getActorHistory(id: string, limit = 100): Promise<ActorEventRecord[]> {
    this.scope.lifecycle.assertOpen('read actor history');
    return this.scope.store.actorHistory(
      checkString('id', id, 200),
      checkInteger('limit', limit, 1, 10_000),
    );
  }

  /** Events that reached actors that were not running: a count and the last few, per actor. */
  async undeliverable(id?: string): Promise<UndeliverableRecord[]> {
    this.scope.lifecycle.assertOpen('read undeliverable events');
    return this.scope.store.undeliverable(
      id === undefined ? undefined : checkString('id', id, 200),
    );
  }

  /**
   * Stops an actor, or a whole tree in reverse start order, and keeps it stopped: its supervisor
   * does not restart it, not even when a sibling's crash restarts the others. Resolves once it
   * has stopped (`actor.stopped`). Warden's own nodes cannot be stopped this way.
   */
  stopActor(id: string): Promise<void> {
    return this.scope.control.apply('stop', id);
  }

  /**
   * Starts again an actor stopped with `stopActor` (`actor.resumed`) or dead-lettered
   * (`actor.revived`, and it leaves `deadActors()`); resolves once it has started. Any other
   * actor is refused with `InvalidTransitionError`, as is one whose supervisor is down.
   */
  restartActor(id: string): Promise<void> {
    return this.scope.control.apply('restart', id);
  }

  /**
   * Takes a stopped actor (stopped by hand, dead-lettered, or down with its supervisor) and its
   * subtree out of the tree (`actor.removed`); its id is free again. A running one is refused.
   */
  removeActor(id: string): Promise<void> {
    return this.scope.control.apply('remove', id);
  }

  /**
   * Sends an event to a supervised actor running XState logic. An event for an actor that is not
   * running is recorded as undeliverable (and emitted as `actor.undeliverable`); returns whether
   * it was delivered.
   */
  send(id: string, event: { readonly type: string; readonly [field: string]: unknown }): boolean {
    this.scope.lifecycle.assertRunning('send an event');
    const name = checkString('id', id, 200);
    if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
      throw new InvalidOptionError('event', 'an object with a string `type`', event);
    }
    if (event.type.startsWith('xstate.')) {
      // XState's own events (stop, done, error) would fake an actor's exit to its supervisor.
      throw new InvalidOptionError(
        'event.type',
        'an event type of your own (`xstate.*` types are reserved by XState)',
        event.type,
      );
    }
    const node = this.scope.root.find(name);
    if (node === undefined) throw new ActorNotFoundError(name);
    if (!(node instanceof WorkerNode) || !node.receivesEvents) {
      throw new InvalidOptionError('id', 'the id of an actor running XState logic', name);
    }
    if (node.deliver(event)) return true;
    const at = this.scope.clock.now();
    const record = this.scope.store.recordUndeliverable(name, event, at);
    this.scope.bus.emit({
      type: 'actor.undeliverable',
      actorId: name,
      at,
      count: record.count,
      eventType: event.type,
    });
    return false;
  }
}

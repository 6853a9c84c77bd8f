import { ActorNotFoundError, InvalidOptionError, quote } from '../errors.js';
import { checkString } from '../options.js';
import { isSystemId, systemNodeIds } from './rootNode.js';
import type { SupervisedNode, TreeNode } from './supervision.js';
import type { SupervisorNode } from './supervisorActor.js';

/** What `warden.supervise()` returns: the tree it added, and the by-hand operations on it. */
export interface ActorHandle {
  /** The id of the tree's top node. */
  readonly id: string;
  /** A snapshot of the tree, as in `warden.tree()`; undefined once it has been removed. */
  tree(): TreeNode | undefined;
  /** Stops it and keeps it stopped, as `warden.stopActor(id)`. */
  stop(): Promise<void>;
  /** Starts it again once stopped or dead-lettered, as `warden.restartActor(id)`. */
  restart(): Promise<void>;
  /** Takes it, stopped, out of the tree, as `warden.removeActor(id)`. */
  remove(): Promise<void>;
}

type Operation = 'stop' | 'restart' | 'remove';

const operations: Record<Operation, string> = {
  stop: 'stop an actor',
  restart: 'restart an actor',
  remove: 'remove an actor',
};

/**
 * Managing the tree at run time, as OTP's `terminate_child`, `restart_child` and `delete_child`:
 * finds the node and its supervisor, refuses Warden's own nodes, and hands the operation to the
 * supervisor, which checks the node's state.
 */
export class TreeControl {
  constructor(
    private readonly root: SupervisorNode,
    /** Throws `NotRunningError` unless Warden is running. */
    private readonly assertRunning: (operation: string) => void,
  ) {}

  /** Runs a by-hand operation on the node with this id (on `expected`, for a handle). */
  async apply(operation: Operation, id: unknown, expected?: SupervisedNode): Promise<void> {
    this.assertRunning(operations[operation]);
    const name = checkString('id', id, 200);
    const node = this.root.find(name);
    // Warden's own actors are never stopped or removed by hand; a dead-lettered breaker or pool
    // (`breaker:<name>`, `pool:<name>`) may be restarted, as a tree of yours may.
    const revivable = operation === 'restart' && node?.dead === true && !systemNodeIds.has(name);
    if (isSystemId(name) && !revivable) {
      throw new InvalidOptionError(
        'id',
        operation === 'restart'
          ? `the id of one of your actors, or of a dead-lettered breaker or pool (${quote(name)} is Warden's own and is not dead-lettered)`
          : `the id of one of your actors (${quote(name)} is Warden's own: it stops with warden.stop())`,
        name,
      );
    }
    const parent = this.root.parentOf(name);
    if (node === undefined || parent === undefined || (expected ?? node) !== node) {
      throw new ActorNotFoundError(name);
    }
    switch (operation) {
      case 'stop':
        return parent.stopChild(node);
      case 'restart':
        return parent.restartChild(node);
      case 'remove':
        parent.removeChild(node);
        return;
    }
  }

  /** The handle of a node that `supervise()` added: its operations act on that node only. */
  handle(node: SupervisedNode): ActorHandle {
    return {
      id: node.id,
      tree: () => {
        const parent = this.root.parentOf(node.id);
        return parent === undefined || this.root.find(node.id) !== node
          ? undefined
          : parent.snapshotOf(node);
      },
      stop: () => this.apply('stop', node.id, node),
      restart: () => this.apply('restart', node.id, node),
      remove: () => this.apply('remove', node.id, node),
    };
  }
}

import { InvalidOptionError, quote } from '../errors.js';
import type { PlannedChild } from '../policies/strategy.js';
import type { ChildView } from './byHandRules.js';
import type { SupervisedNode, TreeNode } from './supervision.js';

/**
 * A supervisor's children in start order, and those stopped by hand ("held"): a held child is
 * started again only by `restartChild`, never by its supervisor.
 */
export class SupervisorChildren {
  private nodes: SupervisedNode[];
  private readonly held = new Set<SupervisedNode>();

  constructor(
    private readonly supervisorId: string,
    nodes: SupervisedNode[],
  ) {
    this.nodes = nodes;
  }

  /** Every child, in start order. */
  get all(): readonly SupervisedNode[] {
    return this.nodes;
  }

  ids(): string[] {
    return this.nodes.map((child) => child.id);
  }

  /** Adds a child at the end of the start order. */
  add(node: SupervisedNode): void {
    this.nodes.push(node);
  }

  byId(id: string): SupervisedNode | undefined {
    return this.nodes.find((node) => node.id === id);
  }

  /** Finds a node by id in the children's subtrees. */
  find(id: string): SupervisedNode | undefined {
    for (const child of this.nodes) {
      const found = child.find(id);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  isHeld(node: SupervisedNode): boolean {
    return this.held.has(node);
  }

  /** Marks a child stopped by hand. */
  hold(node: SupervisedNode): void {
    this.held.add(node);
  }

  /** A child stopped by hand may be started again. */
  unhold(node: SupervisedNode): void {
    this.held.delete(node);
  }

  /** False for a child that is up, dead-lettered, stopped by hand or no longer a child. */
  startable(node: SupervisedNode): boolean {
    return !(node.dead || node.alive || this.held.has(node) || !this.nodes.includes(node));
  }

  /** The children a restart strategy weighs: dead and hand-stopped ones stay down. */
  planned(): PlannedChild[] {
    return this.nodes
      .filter((node) => !node.dead && !this.held.has(node))
      .map((node) => ({ id: node.id, restart: node.spec.restart, alive: node.alive }));
  }

  /** The children with these ids that are not stopped by hand, in the order of `ids`. */
  unheld(ids: readonly string[]): SupervisedNode[] {
    return ids
      .map((id) => this.byId(id))
      .filter((node): node is SupervisedNode => node !== undefined && !this.held.has(node));
  }

  /** Forgets the children that are not alive. */
  dropEnded(): void {
    this.nodes = this.nodes.filter((node) => node.alive);
  }

  /** Forgets the children with these ids. */
  remove(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.nodes = this.nodes.filter((node) => !ids.includes(node.id));
  }

  /** Forgets one child, held or not. */
  delete(child: SupervisedNode): void {
    this.nodes = this.nodes.filter((node) => node !== child);
    this.held.delete(child);
  }

  /** Every child's snapshot, in start order. */
  snapshots(): TreeNode[] {
    return this.nodes.map((child) => this.snapshotOf(child));
  }

  /** A child's snapshot, marked when it was stopped by hand. */
  snapshotOf(child: SupervisedNode): TreeNode {
    const snapshot = child.snapshot();
    return this.held.has(child) ? { ...snapshot, stoppedByHand: true } : snapshot;
  }

  /**
   * Throws a by-hand rule's refusal (its supervisor being in `supervisorState`), or if `child` is
   * not one of these children.
   */
  check(
    rule: (view: ChildView) => Error | undefined,
    child: SupervisedNode,
    supervisorState: string,
  ): void {
    if (!this.nodes.includes(child)) {
      throw new InvalidOptionError(
        'child',
        `a child of supervisor ${quote(this.supervisorId)}`,
        child.id,
      );
    }
    const refusal = rule({
      id: child.id,
      state: child.state,
      alive: child.alive,
      dead: child.dead,
      held: this.held.has(child),
      supervisorId: this.supervisorId,
      supervisorState,
    });
    if (refusal !== undefined) throw refusal;
  }
}

import { WorkerNode } from './workerActor.js';
import { serializeError, SupervisorEscalatedError } from '../errors.js';
import {
  supervisorStatusCell,
  type SupervisorMachineEvent,
  type SupervisorStatus,
} from '../machines/supervisorMachine.js';
import { backoffDelay } from '../policies/backoff.js';
import { refuseRemove, refuseRestart, refuseStop } from './byHandRules.js';
import type { ResolvedChildSpec, ResolvedSupervisorSpec } from './childSpec.js';
import { RestartBudgets } from './restartBudgets.js';
import { planRestart } from '../policies/strategy.js';
import { SupervisorChildren } from './supervisorChildren.js';
import { SupervisorSteps } from './supervisorSteps.js';
import {
  ErrorLog,
  publishDead,
  publishLifecycle,
  publishRevived,
  reportRefused,
  walkTree,
  type NodeParent,
  type NodeRef,
  type SupervisedNode,
  type SupervisionRuntime,
  type SupervisorNodeOptions,
  type TreeNode,
} from './supervision.js';

/** Creates the node for a child spec. */
export type NodeFactory = (
  spec: ResolvedChildSpec,
  parent: NodeParent,
  runtime: SupervisionRuntime,
) => SupervisedNode;

/** The default node factory: workers and nested supervisors. */
export const createNode: NodeFactory = (spec, parent, runtime) =>
  spec.kind === 'worker'
    ? new WorkerNode(spec, parent, runtime)
    : new SupervisorNode(spec, parent, runtime);

/**
 * A supervisor with Erlang/OTP semantics: starts its children in order, applies its strategy when
 * one exits, counts restarts against its intensity (from the persisted history, so a process
 * restart gives no fresh budget), backs off before restarting, and past its intensity stops its
 * children in reverse order (or its `stopOrder`) and fails to its parent (or is dead-lettered).
 * Exits are handled one at a time, in order. Children can be stopped, restarted and removed by
 * hand; one stopped by hand stays stopped.
 */
export class SupervisorNode implements SupervisedNode, NodeParent {
  readonly id: string;
  restarts = 0;
  private readonly cell = supervisorStatusCell();
  private readonly errors = new ErrorLog();
  private readonly children: SupervisorChildren;
  private readonly budgets: RestartBudgets;
  private readonly steps: SupervisorSteps;
  /** Children of Warden's own added while this supervisor was starting (see addStartedChild). */
  private readonly ownStarts = new Set<SupervisedNode>();

  constructor(
    readonly spec: ResolvedSupervisorSpec,
    private readonly parent: NodeParent | undefined,
    private readonly runtime: SupervisionRuntime,
    private readonly options: SupervisorNodeOptions = {},
  ) {
    this.id = spec.id;
    this.children = new SupervisorChildren(
      this.id,
      spec.children.map((child) => createNode(child, this, runtime)),
    );
    this.budgets = new RestartBudgets(
      this.id,
      { maxRestarts: spec.maxRestarts, withinMs: spec.withinMs },
      runtime,
      options.ownBudget,
      () => this.children.ids(),
    );
    this.steps = new SupervisorSteps(this.id, runtime);
  }

  get state(): SupervisorStatus {
    return this.cell.status;
  }

  get alive(): boolean {
    const state = this.cell.status;
    return (
      state === 'starting' || state === 'running' || state === 'stopping' || state === 'failing'
    );
  }

  get dead(): boolean {
    return this.cell.status === 'dead';
  }

  /** Adds a child at the end of the start order, starting it at once if this supervisor runs. */
  addChild(node: SupervisedNode): Promise<void> {
    this.children.add(node);
    if (this.cell.status !== 'running' && this.cell.status !== 'starting') return Promise.resolve();
    return this.steps.enqueue(() => this.startChildren([node]));
  }

  /**
   * Adds a child of Warden's own whose start is synchronous (a breaker, a pool slot) and, while
   * this supervisor runs, starts it at once, not through the queue: a queued start could come
   * after the child had already exited, and start it a second time. While this supervisor is
   * still starting, its start-up loop reaches the child, which is last in the order.
   */
  addStartedChild(node: SupervisedNode): void {
    this.children.add(node);
    if (this.cell.status === 'running') node.start();
    else if (this.cell.status === 'starting') this.ownStarts.add(node);
  }

  /** Forgets the children that are not alive (a revived pool makes its slots anew). */
  protected dropEndedChildren(): void {
    this.children.dropEnded();
  }

  find(id: string): SupervisedNode | undefined {
    return id === this.id ? this : this.children.find(id);
  }

  /** The supervisor directly above `id` in this subtree. */
  parentOf(id: string): SupervisorNode | undefined {
    for (const child of this.children.all) {
      if (child.id === id) return this;
      if (child instanceof SupervisorNode) {
        const found = child.parentOf(id);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }

  snapshot(): TreeNode {
    const lastError = this.errors.last;
    return {
      id: this.id,
      kind: 'supervisor',
      state: this.cell.status,
      restarts: this.restarts,
      strategy: this.spec.strategy,
      ...(lastError === undefined ? {} : { lastError }),
      children: this.children.snapshots(),
    };
  }

  /** A child's snapshot, marked when it was stopped by hand. */
  snapshotOf(child: SupervisedNode): TreeNode {
    return this.children.snapshotOf(child);
  }

  start(): void {
    this.transition({ type: 'START' });
    this.budgets.reset();
    publishLifecycle(this.runtime, this.ref, { kind: 'started' });
    void this.steps.enqueue(async () => {
      await this.startChildren(this.children.all);
      if (this.cell.status !== 'starting') return;
      // Children of Warden's own added after the start-up loop had passed them: started now,
      // in the same turn as STARTED, so that none falls between the two.
      for (const node of this.ownStarts) if (node.state === 'idle') node.start();
      this.ownStarts.clear();
      this.transition({ type: 'STARTED' });
      this.parent?.childStarted(this);
    });
  }

  /** Starts the given children one after another, each once the previous one is ready. */
  private async startChildren(nodes: readonly SupervisedNode[]): Promise<void> {
    for (const node of nodes) {
      const state = this.cell.status;
      if (state !== 'starting' && state !== 'running') return;
      if (!this.children.startable(node)) continue;
      if (this.runtime.deadAtStart.has(node.id) && node.restarts === 0 && node.state === 'idle') {
        // Dead-lettered in an earlier process: it stays dead until restarted by hand.
        node.markDead(false);
        continue;
      }
      await this.steps.start(node);
    }
  }

  childStarted(child: SupervisedNode): void {
    this.steps.settleStart(child.id);
  }

  childExited(
    child: SupervisedNode,
    reason: 'normal' | 'abnormal',
    error: Error | undefined,
  ): void {
    this.steps.settleStart(child.id);
    if (error !== undefined) this.errors.push(serializeError(error));
    void this.steps.enqueue(() => this.handleExit(child, reason, error));
  }

  private async handleExit(
    child: SupervisedNode,
    reason: 'normal' | 'abnormal',
    error: Error | undefined,
  ): Promise<void> {
    const state = this.cell.status;
    if (state !== 'running' && state !== 'starting') return;
    // Already handled, or stopped by hand meanwhile.
    if (!this.children.startable(child)) return;
    // Dead and hand-stopped siblings stay down: a strategy neither stops nor starts them.
    const plan = planRestart(this.spec.strategy, this.children.planned(), child.id, reason);
    if (plan.start.length === 0) {
      this.children.remove(plan.remove);
      return;
    }
    if (!this.budgets.tryRestart(child.id, this.runtime.clock.now())) {
      if (child.spec.onExhausted === 'dead-letter') {
        child.markDead();
        return;
      }
      await this.fail(
        new SupervisorEscalatedError(this.id, this.spec.maxRestarts, this.spec.withinMs, {
          cause: error,
        }),
      );
      return;
    }
    const delayMs = backoffDelay(
      child.spec.backoff,
      this.budgets.restartsInWindow(child.id),
      this.runtime.random(),
    );
    for (const id of plan.stop) await this.children.byId(id)?.stop();
    this.children.remove(plan.remove);
    const restarting = this.children.unheld(plan.start);
    for (const node of restarting) {
      node.scheduleRestart();
      publishLifecycle(this.runtime, this.refOf(node), { kind: 'restarting', delayMs });
    }
    await this.steps.sleep(delayMs);
    await this.startChildren(restarting);
  }

  /** Past its intensity: stop every child in reverse order, then fail to the parent. */
  private async fail(error: SupervisorEscalatedError): Promise<void> {
    this.transition({ type: 'FAIL' });
    const serialized = serializeError(error);
    this.errors.push(serialized);
    publishLifecycle(this.runtime, this.ref, { kind: 'escalated', error: serialized });
    await this.stopChildren();
    this.transition({ type: 'STOPPED' });
    publishLifecycle(this.runtime, this.ref, {
      kind: 'exited',
      reason: 'abnormal',
      error: serialized,
    });
    if (this.parent === undefined) {
      this.options.onFailure?.(error);
    } else if (this.spec.onExhausted === 'dead-letter') {
      this.markDead();
    } else {
      this.parent.childExited(this, 'abnormal', error);
    }
  }

  private async stopChildren(): Promise<void> {
    const children = this.children.all;
    const order = this.options.stopOrder?.(children) ?? [...children].reverse();
    for (const node of order) await node.stop();
  }

  stop(): Promise<void> {
    const state = this.cell.status;
    if (state !== 'starting' && state !== 'running') return this.steps.settled();
    this.transition({ type: 'STOP' });
    // The backoff ends, and pending starts resolve so a startup loop waiting on them sees the stop.
    this.steps.interrupt();
    return this.steps.enqueue(async () => {
      await this.stopChildren();
      this.transition({ type: 'STOPPED' });
      publishLifecycle(this.runtime, this.ref, { kind: 'exited', reason: 'shutdown' });
    });
  }

  scheduleRestart(): void {
    this.restarts++;
  }

  markDead(persist = true): void {
    this.transition({ type: 'DEAD' });
    if (persist) publishDead(this.runtime, this.ref, 'supervisor', this.errors.all());
  }

  revive(): void {
    this.transition({ type: 'REVIVE' });
  }

  /** Resolves once every queued supervision step (startup, restarts, stops) has run. */
  settled(): Promise<void> {
    return this.steps.settled();
  }

  /**
   * Stops a child by hand (OTP's `terminate_child`) and keeps it stopped: this supervisor starts it
   * again only through `restartChild`, not after a sibling's crash nor when it restarts itself.
   * Resolves once it has stopped, then records `actor.stopped`.
   */
  async stopChild(child: SupervisedNode): Promise<void> {
    this.children.check(refuseStop, child, this.cell.status);
    this.children.hold(child);
    await child.stop();
    this.steps.settleStart(child.id); // a startup loop waiting on it goes on to the next child
    publishLifecycle(this.runtime, this.refOf(child), { kind: 'stopped' });
  }

  /**
   * Starts by hand a child stopped by hand (`actor.resumed`) or dead-lettered (`actor.revived`:
   * its dead letter is closed), as OTP's `restart_child`; resolves once it has started or exited.
   */
  async restartChild(child: SupervisedNode): Promise<void> {
    this.children.check(refuseRestart, child, this.cell.status);
    if (child.dead) {
      publishRevived(this.runtime, this.refOf(child));
      child.revive();
    } else {
      this.children.unhold(child);
      publishLifecycle(this.runtime, this.refOf(child), { kind: 'resumed' });
    }
    await this.steps.enqueue(() => this.startChildren([child]));
  }

  /**
   * Takes a stopped child and its subtree out of the tree (OTP's `delete_child`). Each
   * dead-lettered node in it has its dead letter closed first (`actor.revived`), so
   * `deadActors()` forgets it; then `actor.removed`.
   */
  removeChild(child: SupervisedNode): void {
    this.children.check(refuseRemove, child, this.cell.status);
    for (const { node, supervisorId } of walkTree(child.snapshot(), this.id)) {
      if (node.state === 'dead') {
        publishRevived(this.runtime, { actorId: node.id, supervisorId, restarts: node.restarts });
      }
      this.runtime.deadAtStart.delete(node.id);
    }
    this.children.delete(child);
    this.budgets.forget(child.id);
    publishLifecycle(this.runtime, this.refOf(child), { kind: 'removed' });
  }

  private refOf(child: SupervisedNode): NodeRef {
    return { actorId: child.id, supervisorId: this.id, restarts: child.restarts };
  }

  private transition(event: SupervisorMachineEvent): void {
    const from = this.cell.status;
    if (!this.cell.send(event)) {
      reportRefused(this.runtime, `supervisor ${this.id}`, this.cell.status, event.type);
      return;
    }
    this.runtime.states?.moved('supervisor', from, this.cell.status);
  }

  private get ref(): NodeRef {
    return { actorId: this.id, supervisorId: this.parent?.id ?? null, restarts: this.restarts };
  }
}

import { WorkerNode } from './workerActor.js';
import type { TimerHandle } from '../clock.js';
import { InvalidOptionError, quote, serializeError, SupervisorEscalatedError } from '../errors.js';
import {
  supervisorStatusCell,
  type SupervisorMachineEvent,
  type SupervisorStatus,
} from '../machines/supervisorMachine.js';
import { backoffDelay } from '../policies/backoff.js';
import { refuseRemove, refuseRestart, refuseStop, type ChildView } from './byHandRules.js';
import type { ResolvedChildSpec, ResolvedSupervisorSpec } from './childSpec.js';
import { RestartBudgets } from './restartBudgets.js';
import { planRestart } from '../policies/strategy.js';
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
  private children: SupervisedNode[];
  /** Children stopped by hand: started again only by `restartChild`, never by this supervisor. */
  private readonly held = new Set<SupervisedNode>();
  private readonly budgets: RestartBudgets;
  private queue: Promise<void> = Promise.resolve();
  /** Children of Warden's own added while this supervisor was starting (see addStartedChild). */
  private readonly ownStarts = new Set<SupervisedNode>();
  private readonly pendingStarts = new Map<string, () => void>();
  private backoff: { timer: TimerHandle; wake: () => void } | undefined;

  constructor(
    readonly spec: ResolvedSupervisorSpec,
    private readonly parent: NodeParent | undefined,
    private readonly runtime: SupervisionRuntime,
    private readonly options: SupervisorNodeOptions = {},
  ) {
    this.id = spec.id;
    this.children = spec.children.map((child) => createNode(child, this, runtime));
    this.budgets = new RestartBudgets(
      this.id,
      { maxRestarts: spec.maxRestarts, withinMs: spec.withinMs },
      runtime,
      options.ownBudget,
      () => this.children.map((child) => child.id),
    );
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
    this.children.push(node);
    if (this.cell.status !== 'running' && this.cell.status !== 'starting') return Promise.resolve();
    return this.enqueue(() => this.startChildren([node]));
  }

  /**
   * Adds a child of Warden's own whose start is synchronous (a breaker, a pool slot) and, while
   * this supervisor runs, starts it at once, not through the queue: a queued start could come
   * after the child had already exited, and start it a second time. While this supervisor is
   * still starting, its start-up loop reaches the child, which is last in the order.
   */
  addStartedChild(node: SupervisedNode): void {
    this.children.push(node);
    if (this.cell.status === 'running') node.start();
    else if (this.cell.status === 'starting') this.ownStarts.add(node);
  }

  /** Forgets the children that are not alive (a revived pool makes its slots anew). */
  protected dropEndedChildren(): void {
    this.children = this.children.filter((node) => node.alive);
  }

  find(id: string): SupervisedNode | undefined {
    if (id === this.id) return this;
    for (const child of this.children) {
      const found = child.find(id);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The supervisor directly above `id` in this subtree. */
  parentOf(id: string): SupervisorNode | undefined {
    for (const child of this.children) {
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
      children: this.children.map((child) => this.snapshotOf(child)),
    };
  }

  /** A child's snapshot, marked when it was stopped by hand. */
  snapshotOf(child: SupervisedNode): TreeNode {
    const snapshot = child.snapshot();
    return this.held.has(child) ? { ...snapshot, stoppedByHand: true } : snapshot;
  }

  start(): void {
    this.transition({ type: 'START' });
    this.budgets.reset();
    publishLifecycle(this.runtime, this.ref, { kind: 'started' });
    void this.enqueue(async () => {
      await this.startChildren(this.children);
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
      if (node.dead || node.alive || this.held.has(node) || !this.children.includes(node)) continue;
      if (this.runtime.deadAtStart.has(node.id) && node.restarts === 0 && node.state === 'idle') {
        // Dead-lettered in an earlier process: it stays dead until restarted by hand.
        node.markDead(false);
        continue;
      }
      await new Promise<void>((resolve) => {
        this.pendingStarts.set(node.id, resolve);
        node.start();
      });
    }
  }

  childStarted(child: SupervisedNode): void {
    this.settleStart(child.id);
  }

  childExited(
    child: SupervisedNode,
    reason: 'normal' | 'abnormal',
    error: Error | undefined,
  ): void {
    this.settleStart(child.id);
    if (error !== undefined) this.errors.push(serializeError(error));
    void this.enqueue(() => this.handleExit(child, reason, error));
  }

  private settleStart(id: string): void {
    const resolve = this.pendingStarts.get(id);
    this.pendingStarts.delete(id);
    resolve?.();
  }

  private async handleExit(
    child: SupervisedNode,
    reason: 'normal' | 'abnormal',
    error: Error | undefined,
  ): Promise<void> {
    const state = this.cell.status;
    if (state !== 'running' && state !== 'starting') return;
    // Already handled, or stopped by hand meanwhile.
    if (child.alive || child.dead || this.held.has(child) || !this.children.includes(child)) return;
    // Dead and hand-stopped siblings stay down: a strategy neither stops nor starts them.
    const planned = this.children
      .filter((node) => !node.dead && !this.held.has(node))
      .map((node) => ({ id: node.id, restart: node.spec.restart, alive: node.alive }));
    const plan = planRestart(this.spec.strategy, planned, child.id, reason);
    if (plan.start.length === 0) {
      this.remove(plan.remove);
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
    for (const id of plan.stop) await this.children.find((node) => node.id === id)?.stop();
    this.remove(plan.remove);
    const restarting = plan.start
      .map((id) => this.children.find((node) => node.id === id))
      .filter((node): node is SupervisedNode => node !== undefined && !this.held.has(node));
    for (const node of restarting) {
      node.scheduleRestart();
      publishLifecycle(this.runtime, this.refOf(node), { kind: 'restarting', delayMs });
    }
    await this.sleep(delayMs);
    await this.startChildren(restarting);
  }

  private remove(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.children = this.children.filter((node) => !ids.includes(node.id));
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        if (this.backoff !== undefined) this.runtime.clock.clearTimeout(this.backoff.timer);
        this.backoff = undefined;
        resolve();
      };
      this.backoff = { timer: this.runtime.clock.setTimeout(wake, ms), wake };
    });
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
    const order = this.options.stopOrder?.(this.children) ?? [...this.children].reverse();
    for (const node of order) await node.stop();
  }

  stop(): Promise<void> {
    const state = this.cell.status;
    if (state !== 'starting' && state !== 'running') return this.queue;
    this.transition({ type: 'STOP' });
    this.backoff?.wake();
    // Pending starts resolve so a startup loop waiting on them can see the stop.
    for (const id of [...this.pendingStarts.keys()]) this.settleStart(id);
    return this.enqueue(async () => {
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
    return this.queue;
  }

  /**
   * Stops a child by hand (OTP's `terminate_child`) and keeps it stopped: this supervisor starts it
   * again only through `restartChild`, not after a sibling's crash nor when it restarts itself.
   * Resolves once it has stopped, then records `actor.stopped`.
   */
  async stopChild(child: SupervisedNode): Promise<void> {
    this.check(refuseStop, child);
    this.held.add(child);
    await child.stop();
    this.settleStart(child.id); // a startup loop waiting on it goes on to the next child
    publishLifecycle(this.runtime, this.refOf(child), { kind: 'stopped' });
  }

  /**
   * Starts by hand a child stopped by hand (`actor.resumed`) or dead-lettered (`actor.revived`:
   * its dead letter is closed), as OTP's `restart_child`; resolves once it has started or exited.
   */
  async restartChild(child: SupervisedNode): Promise<void> {
    this.check(refuseRestart, child);
    if (child.dead) {
      publishRevived(this.runtime, this.refOf(child));
      child.revive();
    } else {
      this.held.delete(child);
      publishLifecycle(this.runtime, this.refOf(child), { kind: 'resumed' });
    }
    await this.enqueue(() => this.startChildren([child]));
  }

  /**
   * Takes a stopped child and its subtree out of the tree (OTP's `delete_child`). Each
   * dead-lettered node in it has its dead letter closed first (`actor.revived`), so
   * `deadActors()` forgets it; then `actor.removed`.
   */
  removeChild(child: SupervisedNode): void {
    this.check(refuseRemove, child);
    for (const { node, supervisorId } of walkTree(child.snapshot(), this.id)) {
      if (node.state === 'dead') {
        publishRevived(this.runtime, { actorId: node.id, supervisorId, restarts: node.restarts });
      }
      this.runtime.deadAtStart.delete(node.id);
    }
    this.children = this.children.filter((node) => node !== child);
    this.held.delete(child);
    this.budgets.forget(child.id);
    publishLifecycle(this.runtime, this.refOf(child), { kind: 'removed' });
  }

  /** Throws a by-hand rule's refusal, or if `child` is not one of this supervisor's children. */
  private check(rule: (view: ChildView) => Error | undefined, child: SupervisedNode): void {
    if (!this.children.includes(child)) {
      throw new InvalidOptionError('child', `a child of supervisor ${quote(this.id)}`, child.id);
    }
    const refusal = rule({
      id: child.id,
      state: child.state,
      alive: child.alive,
      dead: child.dead,
      held: this.held.has(child),
      supervisorId: this.id,
      supervisorState: this.cell.status,
    });
    if (refusal !== undefined) throw refusal;
  }

  private refOf(child: SupervisedNode): NodeRef {
    return { actorId: child.id, supervisorId: this.id, restarts: child.restarts };
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work).catch((error: unknown) => {
      this.runtime.logger.error({ err: error, supervisorId: this.id }, 'supervision step failed');
    });
    this.queue = next;
    return next;
  }

  private transition(event: SupervisorMachineEvent): void {
    if (!this.cell.send(event)) {
      reportRefused(this.runtime, `supervisor ${this.id}`, this.cell.status, event.type);
    }
  }

  private get ref(): NodeRef {
    return { actorId: this.id, supervisorId: this.parent?.id ?? null, restarts: this.restarts };
  }
}

import { createActor, type Actor } from 'xstate';
import { coerceError, serializeError } from '../errors.js';
import { actorStatusCell, type ActorMachineEvent } from '../machines/actorMachine.js';
import {
  circuitBreakerMachine,
  type BreakerMachineInput,
  type BreakerState,
} from '../machines/circuitBreakerMachine.js';
import type { BreakerStore } from '../persistence/breakerStore.js';
import { defaultChildOptions, type ResolvedWorkerSpec } from '../supervisor/childSpec.js';
import { resolveBackoff } from '../supervisor/backoff.js';
import {
  ErrorLog,
  publishDead,
  publishLifecycle,
  reportRefused,
  type NodeParent,
  type NodeRef,
  type SupervisedNode,
  type SupervisionRuntime,
  type TreeNode,
} from '../supervisor/supervision.js';
import type { Breaker } from './breaker.js';

/** The supervision-tree id of the breaker named `name`. */
export function breakerActorId(name: string): string {
  return `breaker:${name}`;
}

/**
 * A breaker's machine actor as a supervised child of `breakers`: starting it resumes the state
 * persisted for the breaker (an open one stays open until its reset time); a failure of the actor
 * is an abnormal exit its supervisor restarts. Past the supervisor's intensity it is dead-lettered,
 * so one broken breaker never takes the job runner down.
 */
export class BreakerNode implements SupervisedNode {
  readonly id: string;
  readonly spec: ResolvedWorkerSpec;
  restarts = 0;
  private readonly cell = actorStatusCell();
  private actor: Actor<typeof circuitBreakerMachine> | undefined;
  private readonly errors = new ErrorLog();

  constructor(
    private readonly breaker: Breaker,
    private readonly store: BreakerStore,
    private readonly parent: NodeParent,
    private readonly runtime: SupervisionRuntime,
  ) {
    this.id = breakerActorId(breaker.name);
    this.spec = {
      id: this.id,
      kind: 'worker',
      restart: 'permanent',
      shutdownMs: 0,
      backoff: resolveBackoff('backoff', defaultChildOptions.backoff),
      onExhausted: 'dead-letter',
      start: undefined,
      logic: undefined,
      input: undefined,
      startTimeoutMs: undefined,
      maxRunMs: undefined,
    };
  }

  get state(): string {
    return this.cell.status;
  }

  get alive(): boolean {
    const state = this.cell.status;
    return state === 'starting' || state === 'running' || state === 'stopping';
  }

  get dead(): boolean {
    return this.cell.status === 'dead';
  }

  start(): void {
    this.send({ type: 'START' });
    publishLifecycle(this.runtime, this.ref, { kind: 'started' });
    let actor: Actor<typeof circuitBreakerMachine>;
    try {
      actor = createActor(circuitBreakerMachine, {
        input: this.resumeInput(),
        clock: this.runtime.clock,
      });
    } catch (error) {
      this.exitAbnormally(coerceError(error));
      return;
    }
    this.actor = actor;
    let previous: BreakerState | undefined;
    actor.subscribe({
      next: (snapshot) => {
        const state = snapshot.value;
        if (state === 'restoring' || previous === undefined || state === previous) {
          if (state !== 'restoring') previous = state;
          return;
        }
        const from = previous;
        previous = state;
        try {
          this.breaker.changed(from, state, snapshot.context);
        } catch (error) {
          this.runtime.logger.error(
            { err: error, breaker: this.breaker.name },
            'breaker change handling failed',
          );
        }
      },
      error: (error: unknown) => {
        this.exitAbnormally(coerceError(error));
      },
    });
    try {
      actor.start();
    } catch (error) {
      this.exitAbnormally(coerceError(error));
      return;
    }
    const snapshot = actor.getSnapshot();
    previous = snapshot.value as BreakerState;
    this.breaker.attach(
      { send: (event) => this.deliver(event) },
      previous,
      snapshot.context,
      this.runtime.clock.now(),
    );
    this.send({ type: 'READY' });
    this.parent.childStarted(this);
  }

  /** Where the actor resumes: the persisted state, with what is left of an open period. */
  private resumeInput(): BreakerMachineInput {
    const maxWaitMs = this.breaker.options.halfOpen.maxWaitMs;
    const record = this.store.loadBreaker(this.breaker.name);
    if (record === undefined) {
      return { state: 'closed', opens: 0, openMs: 0, reopenMs: 0, maxWaitMs };
    }
    const now = this.runtime.clock.now();
    return {
      state: record.state,
      opens: record.opens,
      openMs: record.state === 'open' ? (record.openUntil ?? now) - now : 0,
      reopenMs: record.reopenMs,
      maxWaitMs,
    };
  }

  private deliver(event: Parameters<Actor<typeof circuitBreakerMachine>['send']>[0]): boolean {
    const actor = this.actor;
    if (actor === undefined || this.cell.status !== 'running') return false;
    if (!actor.getSnapshot().can(event)) {
      reportRefused(
        this.runtime,
        `breaker ${this.breaker.name}`,
        actor.getSnapshot().value,
        event.type,
      );
      return false;
    }
    actor.send(event);
    return true;
  }

  private exitAbnormally(error: Error): void {
    const state = this.cell.status;
    if (state !== 'starting' && state !== 'running') return;
    this.release();
    this.send({ type: 'EXIT' });
    const serialized = serializeError(error);
    this.errors.push(serialized);
    publishLifecycle(this.runtime, this.ref, {
      kind: 'exited',
      reason: 'abnormal',
      error: serialized,
    });
    this.parent.childExited(this, 'abnormal', error);
  }

  private release(): void {
    this.breaker.detach();
    const actor = this.actor;
    this.actor = undefined;
    actor?.stop();
  }

  stop(): Promise<void> {
    if (!this.alive) return Promise.resolve();
    this.send({ type: 'STOP' });
    this.release();
    this.send({ type: 'EXIT' });
    publishLifecycle(this.runtime, this.ref, { kind: 'exited', reason: 'shutdown' });
    return Promise.resolve();
  }

  scheduleRestart(): void {
    this.restarts++;
    this.send({ type: 'RESTART' });
  }

  markDead(persist = true): void {
    this.send({ type: 'DEAD' });
    if (persist) publishDead(this.runtime, this.ref, 'worker', this.errors.all());
  }

  revive(): void {
    this.send({ type: 'REVIVE' });
  }

  find(id: string): SupervisedNode | undefined {
    return id === this.id ? this : undefined;
  }

  snapshot(): TreeNode {
    const lastError = this.errors.last;
    return {
      id: this.id,
      kind: 'worker',
      state: this.cell.status,
      restarts: this.restarts,
      ...(lastError === undefined ? {} : { lastError }),
    };
  }

  private send(event: ActorMachineEvent): void {
    if (!this.cell.send(event)) {
      reportRefused(this.runtime, `actor ${this.id}`, this.cell.status, event.type);
    }
  }

  private get ref(): NodeRef {
    return { actorId: this.id, supervisorId: this.parent.id, restarts: this.restarts };
  }
}

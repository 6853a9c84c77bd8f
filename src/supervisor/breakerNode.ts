import { createActor, type Actor } from 'xstate';
import { coerceError } from '../errors.js';
import {
  circuitBreakerMachine,
  type BreakerMachineInput,
  type BreakerState,
} from '../machines/circuitBreakerMachine.js';
import type { BreakerStore } from '../persistence/breakerStore.js';
import { builtInSpec, LeafNode } from './leafNode.js';
import { breakerIdPrefix } from './rootNode.js';
import {
  publishLifecycle,
  reportRefused,
  type NodeParent,
  type SupervisionRuntime,
} from './supervision.js';
import type { CircuitBreaker } from '../actors/circuitBreaker.js';

/** The supervision-tree id of the breaker named `name`. */
export function breakerActorId(name: string): string {
  return `${breakerIdPrefix}${name}`;
}

/**
 * A breaker's machine actor as a supervised child of `breakers`: starting it resumes the state
 * persisted for the breaker (an open one stays open until its reset time); a failure of the actor
 * is an abnormal exit its supervisor restarts. Past the supervisor's intensity it is dead-lettered,
 * so one broken breaker never takes the job runner down.
 */
export class BreakerNode extends LeafNode {
  readonly id: string;
  readonly spec;
  private actor: Actor<typeof circuitBreakerMachine> | undefined;
  /** Set by resumeInput: the persisted open period ended while no process ran the breaker. */
  private openPeriodOver = false;

  constructor(
    private readonly breaker: CircuitBreaker<unknown>,
    private readonly store: BreakerStore,
    parent: NodeParent,
    runtime: SupervisionRuntime,
  ) {
    super(parent, runtime);
    this.id = breakerActorId(breaker.name);
    this.spec = builtInSpec(this.id, 'dead-letter');
  }

  start(): void {
    this.transition({ type: 'START' });
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
    // The change the timer would have made had a process been running: recorded and emitted.
    if (this.openPeriodOver) this.breaker.changed('open', 'half-open', snapshot.context);
    this.transition({ type: 'READY' });
    this.parent.childStarted(this);
  }

  /** Where the actor resumes: the persisted state, with what is left of an open period. */
  private resumeInput(): BreakerMachineInput {
    const maxWaitMs = this.breaker.options.halfOpen.maxWaitMs;
    const record = this.store.loadBreaker(this.breaker.name);
    this.openPeriodOver = false;
    if (record === undefined) {
      return { state: 'closed', opens: 0, openMs: 0, reopenMs: 0, maxWaitMs };
    }
    const now = this.runtime.clock.now();
    const openMs = record.state === 'open' ? (record.openUntil ?? now) - now : 0;
    // Open when the process stopped, and its open period ended since: half-open from the start.
    this.openPeriodOver = record.state === 'open' && openMs <= 0;
    return {
      state: this.openPeriodOver ? 'half-open' : record.state,
      opens: record.opens,
      openMs,
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

  protected override exitAbnormally(error: Error): void {
    const state = this.cell.status;
    if (state === 'starting' || state === 'running') this.release();
    super.exitAbnormally(error);
  }

  private release(): void {
    this.breaker.detach();
    const actor = this.actor;
    this.actor = undefined;
    actor?.stop();
  }

  stop(): Promise<void> {
    if (!this.alive) return Promise.resolve();
    this.transition({ type: 'STOP' });
    this.release();
    this.transition({ type: 'EXIT' });
    publishLifecycle(this.runtime, this.ref, { kind: 'exited', reason: 'shutdown' });
    return Promise.resolve();
  }
}

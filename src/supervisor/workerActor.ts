import { createActor, type AnyActorRef } from 'xstate';
import type { TimerHandle } from '../clock.js';
import {
  coerceError,
  MaxRunExceededError,
  serializeError,
  ShutdownError,
  StartTimeoutError,
} from '../errors.js';
import type { ActorStartContext, ResolvedWorkerSpec } from './childSpec.js';
import { LeafNode } from './leafNode.js';
import { publishLifecycle, type NodeParent, type SupervisionRuntime } from './supervision.js';

/** Why the current run is being stopped: by its supervisor, or by one of its own timeouts. */
type StopCause = { readonly kind: 'parent' } | { readonly kind: 'timeout'; readonly error: Error };

/**
 * A supervised worker: runs its `start` function (or XState logic) with an AbortSignal, start and
 * run timeouts, and a shutdown that aborts first and force-stops after `shutdownMs`. Its status is
 * an `actorMachine` actor; every start and exit is written to the store before it is emitted.
 */
export class WorkerNode extends LeafNode {
  readonly id: string;
  /** Increments with every run; a settlement from an older run is ignored. */
  private run = 0;
  private controller: AbortController | undefined;
  private actor: AnyActorRef | undefined;
  private startTimer: TimerHandle | undefined;
  private runTimer: TimerHandle | undefined;
  private killTimer: TimerHandle | undefined;
  private stopCause: StopCause | undefined;
  private stopped: (() => void)[] = [];

  constructor(
    readonly spec: ResolvedWorkerSpec,
    parent: NodeParent,
    runtime: SupervisionRuntime,
  ) {
    super(parent, runtime);
    this.id = spec.id;
  }

  start(): void {
    this.transition({ type: 'START' });
    const run = ++this.run;
    const controller = new AbortController();
    this.controller = controller;
    this.stopCause = undefined;
    publishLifecycle(this.runtime, this.ref, { kind: 'started' });
    const { spec, runtime } = this;
    if (spec.maxRunMs !== null) {
      const maxRunMs = spec.maxRunMs;
      this.runTimer = runtime.clock.setTimeout(() => {
        this.runTimer = undefined;
        this.beginStop(run, { kind: 'timeout', error: new MaxRunExceededError(this.id, maxRunMs) });
      }, maxRunMs);
    }
    if (spec.startTimeoutMs !== null) {
      const startTimeoutMs = spec.startTimeoutMs;
      this.startTimer = runtime.clock.setTimeout(() => {
        this.startTimer = undefined;
        if (this.run === run && this.cell.status === 'starting') {
          this.beginStop(run, {
            kind: 'timeout',
            error: new StartTimeoutError(this.id, startTimeoutMs),
          });
        }
      }, startTimeoutMs);
    }
    if (spec.logic !== null) {
      this.startLogic(run);
    } else {
      this.startFunction(run, controller);
    }
    if (spec.startTimeoutMs === null) this.ready(run);
  }

  private startFunction(run: number, controller: AbortController): void {
    const start = this.spec.start;
    if (start === null) return;
    const log = this.runtime.logger.child({ actorId: this.id });
    const ctx: ActorStartContext = {
      id: this.id,
      signal: controller.signal,
      log,
      restarts: this.restarts,
      ready: () => this.ready(run),
    };
    let pending: unknown;
    try {
      pending = start(ctx);
    } catch (error) {
      this.settled(run, 'abnormal', coerceError(error));
      return;
    }
    Promise.resolve(pending).then(
      () => this.settled(run, 'normal', undefined),
      (error: unknown) => this.settled(run, 'abnormal', coerceError(error)),
    );
  }

  private startLogic(run: number): void {
    const logic = this.spec.logic;
    if (logic === null) return;
    // Every error path of the actor is observed, so XState never rethrows it into the process.
    const actor = createActor(logic, { input: this.spec.input, clock: this.runtime.clock });
    this.actor = actor;
    // A throw inside an observer would be rethrown by XState in a new macrotask: guard them.
    const guard = (fn: () => void) => (): void => {
      try {
        fn();
      } catch (error) {
        this.runtime.logger.error({ err: error, actorId: this.id }, 'actor exit handling failed');
      }
    };
    actor.subscribe({
      complete: guard(() => this.settled(run, 'normal', undefined)),
      error: (error: unknown) => guard(() => this.settled(run, 'abnormal', coerceError(error)))(),
    });
    try {
      actor.start();
    } catch (error) {
      this.settled(run, 'abnormal', coerceError(error));
    }
  }

  /** Sends an event to the running XState actor; false when there is none to receive it. */
  deliver(event: { type: string }): boolean {
    if (this.actor === undefined || this.cell.status !== 'running') return false;
    this.actor.send(event);
    return true;
  }

  /** True for workers that run XState logic, which can receive events. */
  get receivesEvents(): boolean {
    return this.spec.logic !== null;
  }

  private ready(run: number): void {
    if (run !== this.run || this.cell.status !== 'starting') return;
    this.clearTimer('startTimer');
    this.transition({ type: 'READY' });
    this.parent.childStarted(this);
  }

  stop(): Promise<void> {
    const state = this.cell.status;
    if (state === 'restarting') {
      this.transition({ type: 'STOP' });
      return Promise.resolve();
    }
    if (!this.alive) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.stopped.push(resolve));
    if (state === 'stopping') {
      // A timeout-driven stop is under way; the supervisor now owns the outcome.
      this.stopCause = { kind: 'parent' };
    } else {
      this.beginStop(this.run, { kind: 'parent' });
    }
    return done;
  }

  /** Aborts the signal, then force-stops after `shutdownMs` if the run has not ended. */
  private beginStop(run: number, cause: StopCause): void {
    if (run !== this.run || !this.alive || this.cell.status === 'stopping') return;
    this.stopCause = cause;
    this.transition({ type: 'STOP' });
    this.clearTimer('startTimer');
    this.clearTimer('runTimer');
    this.controller?.abort(
      cause.kind === 'parent'
        ? new ShutdownError(`actor ${this.id} is being stopped by its supervisor`)
        : cause.error,
    );
    const actor = this.actor;
    if (actor !== undefined) {
      // An XState actor stops at once: its invoked work sees its own signals aborted.
      this.actor = undefined;
      actor.stop();
      this.finish(undefined);
      return;
    }
    this.killTimer = this.runtime.clock.setTimeout(() => {
      this.killTimer = undefined;
      if (this.run !== run) return;
      this.runtime.logger.warn(
        { actorId: this.id, shutdownMs: this.spec.shutdownMs },
        'actor ignored its abort signal and was force-stopped',
      );
      this.finish(undefined);
    }, this.spec.shutdownMs);
  }

  private settled(run: number, reason: 'normal' | 'abnormal', error: Error | undefined): void {
    if (run !== this.run || !this.alive) return; // a late result after a force-stop
    if (this.cell.status === 'stopping') {
      this.finish(error);
      return;
    }
    this.endRun();
    if (error !== undefined) this.errors.push(serializeError(error));
    this.transition({ type: 'EXIT' });
    this.publishExit(reason, error);
    this.parent.childExited(this, reason, error);
  }

  /** The run ended after a stop began (on its own or forced). */
  private finish(error: Error | undefined): void {
    // Stopping an XState actor notifies its observers at once, which may finish the run first.
    if (this.cell.status !== 'stopping') return;
    const cause = this.stopCause;
    this.endRun();
    this.transition({ type: 'EXIT' });
    const waiters = this.stopped;
    this.stopped = [];
    if (cause?.kind === 'timeout') {
      this.errors.push(serializeError(cause.error));
      this.publishExit('abnormal', cause.error);
      this.parent.childExited(this, 'abnormal', cause.error);
    } else {
      this.publishExit('shutdown', error);
    }
    for (const resolve of waiters) resolve();
  }

  private endRun(): void {
    this.run++;
    this.clearTimer('startTimer');
    this.clearTimer('runTimer');
    this.clearTimer('killTimer');
    this.controller = undefined;
    if (this.actor !== undefined) {
      const actor = this.actor;
      this.actor = undefined;
      actor.stop();
    }
  }

  private clearTimer(name: 'startTimer' | 'runTimer' | 'killTimer'): void {
    const timer = this[name];
    if (timer !== undefined) this.runtime.clock.clearTimeout(timer);
    this[name] = undefined;
  }

  private publishExit(reason: 'normal' | 'abnormal' | 'shutdown', error: Error | undefined): void {
    publishLifecycle(this.runtime, this.ref, {
      kind: 'exited',
      reason,
      error: error === undefined ? undefined : serializeError(error),
    });
  }
}

import type { Clock } from '../../clock.js';
import type { WardenEvent } from '../../events/types.js';
import type { Logger } from '../../observability/logger.js';
import { checkString } from '../../options.js';
import type { OperatorStore, PausedTypeRecord } from '../../persistence/Store.js';
import { CommandDrain } from './commandDrain.js';
import { executeCommand, type CommandApi } from './commandKinds.js';
import { PausedTypes, type PauseRunner } from './pausedTypes.js';

/** What the operators' calls need of the Warden that owns the file. */
export interface OperationsScope {
  readonly store: OperatorStore;
  /** `commandPollMs`: how often the owner looks for commands issued by other processes. */
  readonly options: {
    readonly clock: Clock;
    readonly logger: Logger;
    readonly commandPollMs: number;
  };
  /** The job runner (built after this). */
  runner(): PauseRunner;
  emit(event: WardenEvent): void;
  /** Refuses `operation` unless Warden is running and its root supervisor is up. */
  assertRunning(operation: string): void;
  /** The rest of the API that commands go through. */
  readonly api: Omit<CommandApi, 'pauseJobType' | 'resumeJobType'>;
}

/** Pausing and resuming job types, and carrying out the commands other processes issue. */
export class Operations {
  readonly paused: PausedTypes;
  private drain: CommandDrain | undefined;

  constructor(private readonly scope: OperationsScope) {
    const runner: PauseRunner = {
      paused: (type) => {
        scope.runner().paused(type);
      },
      poke: () => {
        scope.runner().poke();
      },
    };
    this.paused = new PausedTypes(scope.store, scope.options.clock, runner, (event) => {
      scope.emit(event);
    });
  }

  /** Pauses a job type (see `Warden.pauseJobType`); false when it was paused already. */
  pauseJobType(type: string, by = 'api'): Promise<boolean> {
    return this.call('pause a job type', () => this.paused.pause(checkType(type), by));
  }

  /** Resumes a job type; false when it was not paused. */
  resumeJobType(type: string, by = 'api'): Promise<boolean> {
    return this.call('resume a job type', () => this.paused.resume(checkType(type), by));
  }

  /** The paused job types, in the order they were paused. */
  pausedJobTypes(): Promise<PausedTypeRecord[]> {
    return this.call('read the paused job types', () => this.paused.list());
  }

  /** The file was opened: the pauses it holds apply before the first claim. */
  opened(): void {
    this.paused.load();
  }

  /**
   * The owner is up: it takes commands while it runs with its root supervisor up (none for an
   * in-memory database, which no other process can reach). `token` marks the commands it takes.
   */
  started(token: string | undefined): void {
    if (token === undefined) return;
    const { store } = this.scope;
    const { clock, logger, commandPollMs: pollMs } = this.scope.options;
    const active = (): boolean => {
      try {
        this.scope.assertRunning('take commands');
        return true;
      } catch {
        return false;
      }
    };
    const api: CommandApi = {
      ...bind(this.scope.api),
      pauseJobType: (type, by) => this.pauseJobType(type, by),
      resumeJobType: (type, by) => this.resumeJobType(type, by),
    };
    this.drain = new CommandDrain({
      store,
      clock,
      logger,
      pollMs,
      token,
      active,
      execute: (command) => executeCommand(api, command),
    });
    this.drain.start();
  }

  /** Stops taking commands; resolves once those taken are carried out (or refused) and marked. */
  async stop(): Promise<void> {
    const drain = this.drain;
    this.drain = undefined;
    await drain?.stop();
  }

  private call<T>(operation: string, fn: () => T): Promise<T> {
    try {
      this.scope.assertRunning(operation);
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/** A job type's name, as `defineJob` takes it. */
function checkType(type: unknown): string {
  return checkString('type', type, 200);
}

/** The API's calls, bound to it. */
function bind(api: OperationsScope['api']): OperationsScope['api'] {
  return {
    retryJob: (id) => api.retryJob(id),
    cancelJob: (id) => api.cancelJob(id),
    restartActor: (id) => api.restartActor(id),
    stopActor: (id) => api.stopActor(id),
  };
}

import { trackWork, type Clock, type TimerHandle } from '../../clock.js';
import { serializeError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { CommandRecord, OperatorStore } from '../../persistence/Store.js';

/** How many pending commands one tick takes at most; a full tick is followed by another at once. */
export const commandsPerTick = 100;

/** What the file's owner needs to carry out the commands other processes issue. */
export interface CommandDrainOptions {
  readonly store: OperatorStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often the pending commands are looked at. */
  readonly pollMs: number;
  /** The owner's token: it marks the commands this owner took. */
  readonly token: string;
  /** Whether commands are taken now (the owner is running and its root supervisor is up). */
  active(): boolean;
  /** Carries a command out through the owner's API; resolves with its JSON-able result. */
  execute(command: CommandRecord): Promise<unknown>;
}

/**
 * The owner's side of the commands path: every `pollMs`, reads the pending commands (a walk of
 * their partial index), takes them in one transaction (so that an issuer that gives up can no
 * longer withdraw them), carries each out (commands on one target in the order issued, others at
 * once), and marks it done with its result or failed with its serialized error.
 */
export class CommandDrain {
  private timer: TimerHandle | undefined;
  private running = false;
  private tick_: Promise<void> = Promise.resolve();

  constructor(private readonly options: CommandDrainOptions) {}

  /** Starts polling. */
  start(): void {
    this.running = true;
    this.arm(this.options.pollMs);
  }

  /** Stops polling; resolves once the commands already taken are carried out and marked. */
  stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    return this.tick_;
  }

  private arm(ms: number): void {
    if (!this.running) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.tick_ = trackWork(this.drainOnce()).then((full) => {
        this.arm(full ? 0 : this.options.pollMs);
      });
    }, ms);
  }

  /**
   * One look at the pending commands, carrying out those it takes; true when it found a full
   * tick's worth (more may wait). Never call it while a tick runs: ticks must not overlap.
   */
  async drainOnce(): Promise<boolean> {
    const { store, token, logger } = this.options;
    if (!this.options.active()) return false;
    let taken: CommandRecord[];
    let full: boolean;
    try {
      const pending = store.pendingCommands(commandsPerTick);
      full = pending.length === commandsPerTick;
      // Ours already: being carried out (a tick never overlaps another, so none is left).
      const open = pending.filter((command) => command.doneBy !== token);
      if (open.length === 0) return false;
      const took = await Promise.all(open.map((command) => store.takeCommand(command.id, token)));
      taken = open.filter((_, index) => took[index] === true);
    } catch (error) {
      logger.error({ err: error }, 'could not read or take the pending commands');
      return false;
    }
    // Commands on one target run in the order they were issued; others run side by side.
    const chains = new Map<string, Promise<void>>();
    for (const command of taken) {
      const key = `${command.kind.split('.')[0] ?? ''}:${command.target}`;
      const previous = chains.get(key) ?? Promise.resolve();
      chains.set(
        key,
        previous.then(() => this.carry(command)),
      );
    }
    await Promise.all(chains.values());
    return full && taken.length > 0;
  }

  /** Carries one command out and marks it; a mark that fails leaves it for the next owner. */
  private async carry(command: CommandRecord): Promise<void> {
    const { store, token, clock, logger } = this.options;
    let status: 'done' | 'failed';
    let result: unknown;
    try {
      result = await this.options.execute(command);
      status = 'done';
    } catch (error) {
      result = serializeError(error);
      status = 'failed';
    }
    try {
      await store.finishCommand(
        command.id,
        token,
        status,
        JSON.stringify(result ?? null),
        clock.now(),
      );
    } catch (error) {
      logger.error(
        { err: error, commandId: command.id, kind: command.kind },
        'a command was carried out but could not be marked: the next owner takes it again',
      );
    }
  }
}

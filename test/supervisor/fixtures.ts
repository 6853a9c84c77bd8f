import { filter } from 'rxjs';
import {
  isActorEvent,
  supervisor,
  worker,
  type ActorEvent,
  type ActorStartContext,
  type ManualClock,
  type TreeNode,
  type Warden,
  type WardenEventOf,
  type WorkerSpec,
} from '../../src/index.js';
import { deferred, t0, testWarden } from '../helpers.js';

export { t0 };

/** One line of a supervision trace: `type actorId`, with an exit's reason and a restart's delay. */
export function describeEvent(event: ActorEvent): string {
  const base = `${event.type} ${event.actorId}`;
  switch (event.type) {
    case 'actor.exited':
      return `${base} ${event.reason}`;
    case 'actor.restarting':
      return `${base} in ${event.delayMs}ms`;
    case 'actor.undeliverable':
      return `${base} ${event.eventType} #${event.count}`;
    default:
      return base;
  }
}

/**
 * Collects every supervision event of `warden` as a trace line, from now on. With `timed`, each
 * line is prefixed with the event's time relative to `t0` (`+1500ms actor.started a`).
 */
export function traceActors(warden: Warden, options: { timed?: boolean } = {}): string[] {
  const lines: string[] = [];
  warden.events$.pipe(filter(isActorEvent)).subscribe((event) => {
    const line = describeEvent(event);
    lines.push(options.timed === true ? `+${event.at - t0}ms ${line}` : line);
  });
  return lines;
}

/** Collects what `pick` reads of each `actor.exited` event of `warden`, from now on. */
export function traceExits<T>(
  warden: Warden,
  pick: (event: WardenEventOf<'actor.exited'>) => T,
): T[] {
  const picked: T[] = [];
  warden.on('actor.exited', (event) => picked.push(pick(event)));
  return picked;
}

/**
 * `id state` for every node under `node` (the node itself excluded), depth first, with
 * `(by hand)` after one stopped with `stopActor`.
 */
export function treeStates(node: TreeNode | undefined): string[] {
  return (node?.children ?? []).flatMap((child) => [
    `${child.id} ${child.state}${child.stoppedByHand === true ? ' (by hand)' : ''}`,
    ...treeStates(child),
  ]);
}

/** Empties a trace, returning what it held. */
export function take(trace: string[]): string[] {
  return trace.splice(0);
}

/** One run of a controlled worker. */
export interface Run {
  readonly signal: AbortSignal;
  readonly restarts: number;
  /** Ends the run normally. */
  finish(): void;
  /** Ends the run abnormally with `new Error(message)`. */
  crash(message?: string): void;
  /** Calls the run's `ready()`. */
  ready(): void;
}

/** A worker whose runs the test ends by hand. */
export interface Controlled {
  readonly spec: WorkerSpec;
  /** Every run so far, oldest first. */
  readonly runs: Run[];
  /** The latest run. */
  readonly current: Run;
}

/**
 * A worker whose every run waits for the test to `finish()` or `crash()` it; by default it also
 * ends (normally) as soon as its signal is aborted, and with `ignoreAbort` it never does.
 */
export function controlled(
  id: string,
  options: Omit<WorkerSpec, 'id' | 'kind' | 'start' | 'logic'> & { ignoreAbort?: boolean } = {},
): Controlled {
  const { ignoreAbort = false, ...rest } = options;
  const runs: Run[] = [];
  const start = (ctx: ActorStartContext): Promise<void> => {
    const gate = deferred();
    if (!ignoreAbort) ctx.signal.addEventListener('abort', () => gate.resolve(), { once: true });
    runs.push({
      signal: ctx.signal,
      restarts: ctx.restarts,
      finish: () => gate.resolve(),
      crash: (message = `${id} crashed`) => gate.reject(new Error(message)),
      ready: () => ctx.ready(),
    });
    return gate.promise;
  };
  return {
    spec: worker({ id, ...rest, start }),
    runs,
    get current(): Run {
      const run = runs.at(-1);
      if (run === undefined) throw new Error(`${id} has not started`);
      return run;
    },
  };
}

/**
 * Stops `warden`, moving the manual clock from timer to timer until the stop completes: for
 * children that ignore their abort signal and are only force-stopped after `shutdownMs`.
 */
export async function stopOnClock(warden: Warden, clock: ManualClock): Promise<void> {
  let done = false;
  const stopping = warden.stop({ graceMs: 0 }).finally(() => {
    done = true;
  });
  for (let i = 0; i < 1000 && !done; i++) {
    if (!(await clock.next())) await clock.settle();
  }
  await stopping;
}

/** The node with this id anywhere in a `tree()` snapshot, or undefined. */
export function nodeOf(tree: TreeNode, id: string): TreeNode | undefined {
  if (tree.id === id) return tree;
  for (const child of tree.children ?? []) {
    const found = nodeOf(child, id);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The root's children as `tree()` shows them before the user's trees, each `id state`. */
export function systemChildren(state = 'running'): string[] {
  return [`jobs ${state}`, `breakers ${state}`, `pools ${state}`];
}

/** A running Warden whose top-level tree `app` (no restarts allowed, over `a`) is dead-lettered. */
export async function deadApp(): Promise<{ warden: Warden; clock: ManualClock }> {
  const { warden, clock } = testWarden();
  const a = controlled('a');
  await warden.start();
  await warden.supervise(supervisor({ id: 'app', maxRestarts: 0, children: [a.spec] }));
  a.current.crash();
  await clock.settle();
  return { warden, clock };
}

import type { Pool } from '../actors/pool.js';
import { resolvePoolOptions } from '../actors/poolOptions.js';
import { DuplicateActorError, InvalidOptionError } from '../errors.js';
import { checkString } from '../options.js';
import { PoolSupervisorNode } from './poolSupervisor.js';
import { poolIdPrefix } from './rootNode.js';
import type { OwnChildrenParent, SupervisionRuntime } from './supervision.js';

/** Every pool of one Warden, by name: `pool(name, options)` creates it once, `pool(name)` finds it. */
export class PoolRegistry {
  private readonly nodes = new Map<string, PoolSupervisorNode<unknown>>();

  constructor(
    private readonly runtime: SupervisionRuntime,
    private readonly parent: OwnChildrenParent,
    /** True when a node of the tree already has this id. */
    private readonly idTaken: (id: string) => boolean,
  ) {}

  /** The pool named `name`: created with `options`, or the existing one when they are left out. */
  get(name: unknown, options?: unknown): Pool<unknown> {
    const key = checkString('pool name', name, 200);
    if (key.includes('/')) {
      throw new InvalidOptionError(
        'pool name',
        'a name without `/` (slot ids are `pool:<name>/<n>`)',
        key,
      );
    }
    const existing = this.nodes.get(key);
    if (existing !== undefined) {
      if (options !== undefined) {
        throw new InvalidOptionError(
          `pool('${key}') options`,
          'left out: the pool exists already, and its options are fixed when it is created',
          options,
        );
      }
      return existing.pool;
    }
    if (options === undefined) {
      throw new InvalidOptionError(
        `pool('${key}') options`,
        `an options object with \`create\` (no pool named \`${key}\` exists yet)`,
        options,
      );
    }
    const resolved = resolvePoolOptions<unknown>(key, options);
    const id = `${poolIdPrefix}${key}`;
    if (this.idTaken(id)) throw new DuplicateActorError(id);
    const node = new PoolSupervisorNode(key, resolved, this.parent, this.runtime);
    node.drainFirst = () => this.drainAll();
    this.nodes.set(key, node);
    this.parent.addStartedChild(node);
    return node.pool;
  }

  private allDrained: Promise<void> | undefined;
  private graceMsValue = Number.POSITIVE_INFINITY;

  /**
   * Bounds the pools' drain at the next stop (Warden's `stop({ graceMs })`): every pool drains at
   * the same time, each waiting at most the smaller of this and its `drainTimeoutMs`.
   */
  set graceMs(ms: number) {
    this.graceMsValue = ms;
    this.allDrained = undefined;
  }

  private drainAll(): Promise<void> {
    this.allDrained ??= Promise.all(
      [...this.nodes.values()].map((node) =>
        node.pool.drain({
          timeoutMs: Math.min(node.pool.options.drainTimeoutMs, this.graceMsValue),
        }),
      ),
    ).then(() => undefined);
    return this.allDrained;
  }

  /** The pool named `name`, if it was created. */
  find(name: string): Pool<unknown> | undefined {
    return this.nodes.get(name)?.pool;
  }

  /** Every pool, in creation order. */
  all(): Pool<unknown>[] {
    return [...this.nodes.values()].map((node) => node.pool);
  }
}

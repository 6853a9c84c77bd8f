import { Breaker, type BreakerRuntime } from '../actors/breaker.js';
import { breakerActorId, BreakerNode } from '../actors/breakerNode.js';
import { resolveBreakerOptions } from '../actors/breakerOptions.js';
import type { CallGate } from '../actors/callPermit.js';
import { DuplicateActorError, InvalidOptionError } from '../errors.js';
import { checkString } from '../options.js';
import type { NodeParent, SupervisedNode, SupervisionRuntime } from './supervision.js';

/** The supervisor that breaker nodes are children of. */
export interface BreakerParent extends NodeParent {
  readonly state: string;
  addChild(node: SupervisedNode): Promise<void>;
}

/** True when two option values agree, functions aside (an inline callback is new every call). */
function sameSettings(a: unknown, b: unknown): boolean {
  if (typeof a === 'function' && typeof b === 'function') return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (!sameSettings((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) {
      return false;
    }
  }
  return true;
}

interface Entry {
  readonly breaker: Breaker;
  readonly input: unknown;
}

/**
 * Every breaker of one Warden, by name: `breaker(name)` creates it once (a supervised node under
 * `breakers`) and returns the same breaker afterwards.
 */
export class BreakerRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly runtime: BreakerRuntime & SupervisionRuntime,
    private readonly parent: BreakerParent,
    /** True when a node of the tree already has this id. */
    private readonly idTaken: (id: string) => boolean,
    /** Told whenever a breaker lets calls through again. */
    private readonly reopened: () => void,
  ) {}

  /** The breaker named `name`, created with `options` on first use. */
  get(name: unknown, options?: unknown): Breaker {
    const key = checkString('breaker name', name, 200);
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      if (options !== undefined && !sameSettings(existing.input ?? {}, options)) {
        throw new InvalidOptionError(
          `breaker('${key}') options`,
          'the settings it was first created with (or left out, to get the breaker)',
          options,
        );
      }
      return existing.breaker;
    }
    const resolved = resolveBreakerOptions(key, options);
    const id = breakerActorId(key);
    if (this.idTaken(id)) throw new DuplicateActorError(id);
    const breaker = new Breaker(key, resolved, this.runtime);
    breaker.reopened.add(this.reopened);
    this.entries.set(key, { breaker, input: options });
    const node = new BreakerNode(breaker, this.runtime.breakerStore, this.parent, this.runtime);
    void this.parent.addChild(node);
    // Usable at once: its start is synchronous, so a running supervisor need not queue it.
    if (this.parent.state === 'running' && !node.alive) node.start();
    return breaker;
  }

  /** The breaker named `name`, if it was created. */
  find(name: string): Breaker | undefined {
    return this.entries.get(name)?.breaker;
  }

  /** The gate for a job type that names breaker `name`. */
  gate(name: string | undefined): CallGate | undefined {
    return name === undefined ? undefined : this.entries.get(name)?.breaker;
  }

  /** Every breaker, in creation order. */
  all(): Breaker[] {
    return [...this.entries.values()].map((entry) => entry.breaker);
  }

  /** Ends every breaker's `state$`. */
  complete(): void {
    for (const { breaker } of this.entries.values()) breaker.complete();
  }
}

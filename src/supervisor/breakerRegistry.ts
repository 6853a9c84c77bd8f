import type { BreakerRuntime } from '../actors/breaker.js';
import { CircuitBreaker } from '../actors/circuitBreaker.js';
import { breakerActorId, BreakerNode } from './breakerNode.js';
import { resolveBreakerOptions } from '../actors/breakerOptions.js';
import type { CallGate } from '../actors/callPermit.js';
import { DuplicateActorError, InvalidOptionError, quote } from '../errors.js';
import { checkString } from '../options.js';
import type { OwnChildrenParent, SupervisionRuntime } from './supervision.js';

/** The first setting where two option values differ (functions aside: an inline callback is new every call), or undefined. */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (typeof a === 'function' && typeof b === 'function') return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return a === b ? undefined : path;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const found = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      path === '' ? key : `${path}.${key}`,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The value at a dotted path of plain objects. */
function valueAt(value: unknown, path: string): unknown {
  let at = value;
  for (const key of path.split('.')) {
    at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined;
  }
  return at;
}

interface Entry {
  readonly breaker: CircuitBreaker<unknown>;
}

/**
 * Every breaker of one Warden, by name: `breaker(name)` creates it once (a supervised node under
 * `breakers`) and returns the same breaker afterwards.
 */
export class BreakerRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly runtime: BreakerRuntime & SupervisionRuntime,
    private readonly parent: OwnChildrenParent,
    /** True when a node of the tree already has this id. */
    private readonly idTaken: (id: string) => boolean,
    /** Told whenever a breaker lets calls through again. */
    private readonly reopened: () => void,
  ) {}

  /** The breaker named `name`, created with `options` on first use. */
  get(name: unknown, options?: unknown): CircuitBreaker<unknown> {
    const key = checkString('breaker name', name, 200);
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      if (options === undefined) return existing.breaker;
      // Settings are compared once defaults are applied: giving a default explicitly is the same.
      const first = existing.breaker.options;
      const again = resolveBreakerOptions(key, options);
      const differs = firstDifference(first, again, '');
      if (differs !== undefined) {
        const option = differs.replace(/^rules\./, '');
        throw new InvalidOptionError(
          `breaker('${key}').${option}`,
          `${quote(valueAt(first, differs))} as when the breaker was first created (leave the options out to get it)`,
          valueAt(again, differs),
        );
      }
      return existing.breaker;
    }
    const resolved = resolveBreakerOptions(key, options);
    const id = breakerActorId(key);
    if (this.idTaken(id)) throw new DuplicateActorError(id);
    const breaker = new CircuitBreaker<unknown>(key, resolved, this.runtime);
    breaker.reopened.add(this.reopened);
    this.entries.set(key, { breaker });
    const node = new BreakerNode(breaker, this.runtime.breakerStore, this.parent, this.runtime);
    this.parent.addStartedChild(node);
    return breaker;
  }

  /** The breaker named `name`, if it was created. */
  find(name: string): CircuitBreaker<unknown> | undefined {
    return this.entries.get(name)?.breaker;
  }

  /** The gate for a job type that names breaker `name`. */
  gate(name: string | undefined): CallGate | undefined {
    return name === undefined ? undefined : this.entries.get(name)?.breaker;
  }

  /** Every breaker, in creation order. */
  all(): CircuitBreaker<unknown>[] {
    return [...this.entries.values()].map((entry) => entry.breaker);
  }

  /** Ends every breaker's `state$`. */
  complete(): void {
    for (const { breaker } of this.entries.values()) breaker.complete();
  }
}

import type { AnyTransitionDefinition } from 'xstate';

/** How a transition is taken: by an event, a delay (`after`), or at once (`always`). */
export type ChartTransitionKind = 'event' | 'after' | 'always';

/** What a chart writes on a transition, and the facts it is made of. */
export interface TransitionLabel {
  readonly kind: ChartTransitionKind;
  readonly event: string;
  readonly guard?: string;
  readonly text: string;
}

const combinators: Readonly<Record<string, string>> = { and: ' && ', or: ' || ' };

function paramsText(params: unknown): string {
  if (params === undefined) return '';
  if (typeof params !== 'object' || params === null) return `(${JSON.stringify(params)})`;
  const pairs = Object.entries(params as Record<string, unknown>).map(
    ([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  return `(${pairs.join(', ')})`;
}

/**
 * A guard as a chart writes it: its name for a named guard, with its params (`resumes(state=open)`);
 * `a && b`, `a || b`, `!a` for `and`, `or`, `not`; `in(state)` for `stateIn`; the function's name
 * for a named function; `inline guard` for an anonymous one.
 */
export function guardText(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const fn = guard as { name: string; check?: unknown; guards?: unknown; stateValue?: unknown };
    if (typeof fn.check === 'function') {
      const inner = Array.isArray(fn.guards) ? fn.guards.map(nestedGuardText) : [];
      const joiner = combinators[fn.name];
      if (joiner !== undefined) return inner.join(joiner);
      if (fn.name === 'not') return `!${inner[0] ?? ''}`;
      if (fn.name === 'stateIn') {
        const value = fn.stateValue;
        return `in(${typeof value === 'string' ? value : JSON.stringify(value)})`;
      }
    }
    // A function written in place takes its name from the `guard` key it is assigned to.
    return fn.name !== '' && fn.name !== 'guard' ? fn.name : 'inline guard';
  }
  if (typeof guard === 'object' && guard !== null) {
    const { type, params } = guard as { type?: unknown; params?: unknown };
    if (typeof type === 'string') return `${type}${paramsText(params)}`;
    return guardText(type);
  }
  return String(guard);
}

function nestedGuardText(guard: unknown): string {
  const text = guardText(guard);
  return text.includes(' && ') || text.includes(' || ') ? `(${text})` : text;
}

const afterPrefix = 'xstate.after.';

/** The label of one transition definition: its event (or `after …`, `always`) and its guard. */
export function transitionLabel(transition: AnyTransitionDefinition): TransitionLabel {
  const guard = transition.guard === undefined ? undefined : guardText(transition.guard);
  const suffix = guard === undefined ? '' : ` [${guard}]`;
  const event = transition.eventType as string;
  const { delay } = transition as { delay?: unknown };
  let kind: ChartTransitionKind = 'event';
  let text = event;
  if (event === '') {
    kind = 'always';
    text = 'always';
  } else if (event.startsWith(afterPrefix) && delay !== undefined) {
    kind = 'after';
    text = `after ${typeof delay === 'number' ? `${delay} ms` : typeof delay === 'string' ? delay : 'a delay'}`;
  }
  return { kind, event, ...(guard === undefined ? {} : { guard }), text: `${text}${suffix}` };
}

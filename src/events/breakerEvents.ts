import type { BreakerState } from '../machines/circuitBreakerMachine.js';

interface BreakerEventBase {
  /** The breaker's name. */
  readonly breaker: string;
  /** The state it left; null when it resumed in this state at start-up. */
  readonly from: BreakerState | null;
  readonly at: number;
  /** Why it changed: the trip rule and the window's counts, a trial's verdict, or a hand action. */
  readonly cause: unknown;
}

/** Every breaker event, by name: each is emitted once its change is written to the database. */
export interface BreakerEventMap {
  /** Calls are refused until `openUntil`; `opens` counts the opens since it last closed. */
  'breaker.opened': BreakerEventBase & { readonly openUntil: number; readonly opens: number };
  /** The open period is over: trial calls are let through. */
  'breaker.half-opened': BreakerEventBase;
  /** Calls flow again: the trial passed, or it was reset by hand. */
  'breaker.closed': BreakerEventBase;
  /** Held open by hand until `reset()`. */
  'breaker.isolated': BreakerEventBase;
}

/** The event each state is announced with. */
export const breakerEventOf = {
  open: 'breaker.opened',
  'half-open': 'breaker.half-opened',
  closed: 'breaker.closed',
  isolated: 'breaker.isolated',
} as const satisfies Record<BreakerState, keyof BreakerEventMap>;

/** One breaker event. */
export type BreakerEvent = {
  [K in keyof BreakerEventMap]: { readonly type: K } & BreakerEventMap[K];
}[keyof BreakerEventMap];

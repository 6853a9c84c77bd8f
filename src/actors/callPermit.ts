/** Leave to make one call through a breaker, taken before the call starts. */
export interface CallPermit {
  /** The call ended: `error` is its failure, or undefined for a success. */
  settle(error: Error | undefined): void;
  /** The call never ran to a verdict (cancelled, abandoned): it counts for nothing. */
  release(): void;
}

/** Admits work through a breaker: how many calls may start now, and a permit for each. */
export interface CallGate {
  /** How many more calls the breaker lets through now: Infinity while closed. */
  available(): number;
  /** A permit for one call, or undefined when the breaker refuses it. */
  acquire(): CallPermit | undefined;
}

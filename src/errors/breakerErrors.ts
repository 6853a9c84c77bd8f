import { quote, WardenError } from './wardenError.js';

/** A call refused by an open, isolated or busy half-open circuit breaker. */
export class CircuitOpenError extends WardenError {
  declare readonly code: 'CIRCUIT_OPEN';
  constructor(
    readonly breaker: string,
    readonly state: 'open' | 'half-open' | 'isolated',
    /** How long until the breaker may let a call through again, in ms. */
    readonly retryAfterMs: number,
  ) {
    super(
      'CIRCUIT_OPEN',
      state === 'isolated'
        ? `breaker ${quote(breaker)} is isolated: calls are refused until it is reset`
        : state === 'open'
          ? `breaker ${quote(breaker)} is open: calls are refused for another ${retryAfterMs} ms`
          : `breaker ${quote(breaker)} is half-open and its trial calls are taken: retry in ${retryAfterMs} ms`,
    );
  }
}

/** A call through a breaker ran past its `timeoutMs`; its signal was aborted. */
export class CallTimeoutError extends WardenError {
  declare readonly code: 'CALL_TIMEOUT';
  constructor(
    readonly breaker: string,
    readonly timeoutMs: number,
  ) {
    super(
      'CALL_TIMEOUT',
      `a call through breaker ${quote(breaker)} took longer than ${timeoutMs} ms`,
    );
  }
}

import { serializeError, type SerializedError } from '../errors.js';
import { breakerEventOf } from '../events/breakerEvents.js';
import type { BreakerMachineContext, BreakerState } from '../machines/circuitBreakerMachine.js';
import type { BreakerRuntime } from './breaker.js';

/** An error as a change's cause records it: name, message and code, without the stack. */
export function briefError(error: Error | undefined): Omit<SerializedError, 'stack'> {
  const { name, message, code } = serializeError(error);
  return code === undefined ? { name, message } : { name, message, code };
}

/** The cause recorded for a change the machine made on its own (a timer). */
export function automaticCause(
  from: BreakerState,
  to: BreakerState,
  context: BreakerMachineContext,
): unknown {
  if (from === 'open' && to === 'half-open') return { reason: 'open period over' };
  if (from === 'half-open' && to === 'open') {
    return { reason: 'trial did not decide in time', maxWaitMs: context.maxWaitMs };
  }
  return null;
}

/** One state change of a breaker, as it is recorded and announced. */
export interface BreakerChange {
  readonly name: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly at: number;
  readonly context: BreakerMachineContext;
  readonly openUntil: number | null;
  readonly cause: unknown;
}

/**
 * Durable before emitted: writes the change (the state the breaker resumes in, and a history
 * row with its cause), then emits its event. A write the database refuses is logged; the breaker
 * goes on in memory.
 */
export function publishBreakerChange(runtime: BreakerRuntime, change: BreakerChange): void {
  const { name, from, to, at, context, openUntil, cause } = change;
  try {
    runtime.breakerStore.saveBreakerChange(
      {
        name,
        state: to,
        opens: context.opens,
        openUntil,
        reopenMs: context.reopenMs,
        changedAt: at,
      },
      from,
      cause,
    );
  } catch (error) {
    runtime.logger.error(
      { err: error, breaker: name },
      'a breaker state change could not be written',
    );
  }
  const base = { breaker: name, from, at, cause };
  if (to === 'open') {
    runtime.emit({
      type: 'breaker.opened',
      ...base,
      openUntil: openUntil ?? at,
      opens: context.opens,
    });
  } else {
    runtime.emit({ type: breakerEventOf[to], ...base });
  }
}

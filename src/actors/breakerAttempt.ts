import type { Clock, TimerHandle } from '../clock.js';
import { CallTimeoutError, coerceError, type CircuitOpenError } from '../errors.js';
import type { ResolvedCallOptions } from './breakerOptions.js';

/** How a call was let through: refused, while closed, or as a half-open trial. */
export const refused = 0;
export const closedCall = 1;
export const trialCall = 2;
export type Admission = typeof refused | typeof closedCall | typeof trialCall;

/** How a guarded call ended; `failure` says whether a fallback may answer for it. */
export type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown; readonly failure: boolean };

/** A failed outcome; `counts` is false for errors a fallback must not answer (aborts, excused errors). */
export function failure(error: unknown, counts: boolean): Outcome {
  return { ok: false, error, failure: counts };
}

/** The signal handed to calls that nothing can abort. */
export const neverAborted = new AbortController().signal;

/** What one guarded call needs from its breaker. */
export interface AttemptHost {
  readonly name: string;
  readonly clock: Clock;
  readonly generation: number;
  /** Whether a call may start now, and as what (a refusal is counted). */
  admit(): Admission;
  refusal(): CircuitOpenError;
  /** Counts the call's outcome; returns whether it counted as a failure. */
  settle(
    kind: Admission,
    generation: number,
    started: number,
    error: Error | undefined,
    timedOut?: boolean,
  ): boolean;
  /** The call ended without a verdict (its caller aborted): a trial permit goes back. */
  release(kind: Admission, generation: number): void;
  count(what: 'calls' | 'timeouts'): void;
}

/**
 * One call through a breaker with a timeout and a caller's signal, its outcome resolved rather
 * than thrown. The function sees one signal, aborted by the caller or by the timeout; a caller's
 * abort settles the call at once and counts for nothing.
 */
export function attemptCall(
  host: AttemptHost,
  fn: (signal: AbortSignal) => unknown,
  options: ResolvedCallOptions,
): Promise<Outcome> {
  const { signal, timeoutMs } = options;
  if (signal?.aborted === true) return Promise.resolve(failure(coerceError(signal.reason), false));
  const kind = host.admit();
  if (kind === refused) return Promise.resolve(failure(host.refusal(), true));
  const generation = host.generation;
  const started = host.clock.now();
  host.count('calls');
  return new Promise((resolve) => {
    let settled = false;
    let timer: TimerHandle | undefined;
    const controller = timeoutMs === null ? undefined : new AbortController();
    const end = (): boolean => {
      if (settled) return false;
      settled = true;
      if (timer !== undefined) host.clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (!end()) return;
      controller?.abort(signal?.reason);
      host.release(kind, generation);
      resolve(failure(coerceError(signal?.reason), false));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (controller !== undefined && timeoutMs !== null) {
      timer = host.clock.setTimeout(() => {
        timer = undefined;
        if (!end()) return;
        const error = new CallTimeoutError(host.name, timeoutMs);
        host.count('timeouts');
        controller.abort(error);
        host.settle(kind, generation, started, error, true);
        resolve(failure(error, true));
      }, timeoutMs);
    }
    let pending: unknown;
    try {
      pending = fn(controller?.signal ?? signal ?? neverAborted);
    } catch (error) {
      pending = Promise.reject(coerceError(error));
    }
    Promise.resolve(pending).then(
      (value) => {
        if (!end()) return;
        host.settle(kind, generation, started, undefined);
        resolve({ ok: true, value });
      },
      (error: unknown) => {
        if (!end()) return;
        const failed = host.settle(kind, generation, started, coerceError(error));
        resolve(failure(error, failed));
      },
    );
  });
}

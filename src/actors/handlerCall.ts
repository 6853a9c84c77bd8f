/**
 * Calls a handler and settles on its outcome: a thenable is awaited; anything else, even plain
 * data with a `then` key, is the result; a synchronous throw is a failure.
 */
export function settleHandler(
  work: () => unknown,
  ok: (value: unknown) => void,
  fail: (error: unknown) => void,
): void {
  try {
    const pending = work();
    const then: unknown =
      (typeof pending === 'object' && pending !== null) || typeof pending === 'function'
        ? (pending as { then?: unknown }).then
        : undefined;
    if (typeof then !== 'function') {
      ok(pending);
      return;
    }
    (then as (ok: (v: unknown) => void, fail: (e: unknown) => void) => unknown).call(
      pending,
      ok,
      fail,
    );
  } catch (error) {
    fail(error);
  }
}

/**
 * The AbortSignals of an attempt's phases (the attempt, then its fallback), each created on first
 * use, so that the attempt's stays aborted while the fallback runs, and a signal first read after
 * its phase was aborted comes aborted.
 */
export class PhaseSignals {
  private readonly controllers: { attempt?: AbortController; fallback?: AbortController } = {};
  private readonly reasons: { attempt?: unknown; fallback?: unknown } = {};

  of(phase: 'attempt' | 'fallback'): AbortSignal {
    let controller = this.controllers[phase];
    if (controller === undefined) {
      controller = new AbortController();
      this.controllers[phase] = controller;
      const reason = this.reasons[phase];
      if (reason !== undefined) controller.abort(reason);
    }
    return controller.signal;
  }

  abort(phase: 'attempt' | 'fallback', reason: unknown): void {
    this.reasons[phase] = reason;
    this.controllers[phase]?.abort(reason);
  }
}

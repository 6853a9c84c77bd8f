import type { BatchResult, StepResult } from '../Store.js';
import { fromWire, toWire, type WireError } from './wireErrors.js';

/** A batch result as it crosses threads: every error in it as a `WireError`. */
export interface WireBatchResult {
  readonly results: readonly (
    | { readonly ok: true; readonly value: unknown; readonly errorsAt?: readonly number[] }
    | { readonly ok: false; readonly error: WireError }
  )[];
  /** Null for no due time: the result crosses as JSON text, which has no `undefined`. */
  readonly nextDue?: number | null;
}

export function encodeBatchResult(result: BatchResult): WireBatchResult {
  return {
    ...(Object.hasOwn(result, 'nextDue') ? { nextDue: result.nextDue ?? null } : {}),
    results: result.results.map((step) => {
      if (!step.ok) return { ok: false, error: toWire(step.error) };
      const { value } = step;
      if (!Array.isArray(value)) return step;
      // A `changes` step answers versions and errors side by side.
      const errorsAt: number[] = [];
      const encoded = value.map((item: unknown, index) => {
        if (!(item instanceof Error)) return item;
        errorsAt.push(index);
        return toWire(item);
      });
      return errorsAt.length === 0 ? step : { ok: true, value: encoded, errorsAt };
    }),
  };
}

export function decodeBatchResult(wire: WireBatchResult): BatchResult {
  return {
    ...(Object.hasOwn(wire, 'nextDue') ? { nextDue: wire.nextDue ?? undefined } : {}),
    results: wire.results.map((step): StepResult => {
      if (!step.ok) return { ok: false, error: fromWire(step.error) };
      if (step.errorsAt === undefined) return step as StepResult;
      const value = [...(step.value as unknown[])];
      for (const index of step.errorsAt) value[index] = fromWire(value[index] as WireError);
      return { ok: true, value } as StepResult;
    }),
  };
}

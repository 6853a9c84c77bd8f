import type { Breaker, Warden } from '../../src/index.js';

/** A failure a test service throws. */
export class ServiceDown extends Error {
  constructor(readonly status = 503) {
    super(`service answered ${status}`);
  }
}

export const ok = async (): Promise<string> => 'ok';
export const down = async (): Promise<never> => {
  throw new ServiceDown();
};

/** Makes `n` calls of `fn` one after another; returns how each ended. */
export async function callTimes(
  breaker: Breaker,
  n: number,
  fn: () => Promise<unknown>,
): Promise<string[]> {
  const results: string[] = [];
  for (let i = 0; i < n; i++) {
    try {
      await breaker.call(fn);
      results.push('ok');
    } catch (error) {
      results.push((error as { code?: string }).code ?? (error as Error).name);
    }
  }
  return results;
}

/** Every breaker event of `warden`, as `type from→to`, in order. */
export function traceBreakers(warden: Warden): string[] {
  const trace: string[] = [];
  warden.events$.subscribe((event) => {
    if (event.type.startsWith('breaker.')) {
      const { from, breaker } = event as { from: string | null; breaker: string };
      trace.push(`${event.type} ${breaker} from ${from ?? 'none'}`);
    }
  });
  return trace;
}

/** True while the breaker is open (a function, so that TypeScript does not narrow `state`). */
export function isOpen(breaker: Breaker): boolean {
  return breaker.state === 'open';
}

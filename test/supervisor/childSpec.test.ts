import { describe, expect, it } from 'vitest';
import { defaultChildOptions, resolveChildSpec } from '../../src/supervisor/childSpec.js';

const start = (): void => undefined;

describe('resolveChildSpec', () => {
  it('fills a worker from defaultChildOptions, null for no logic and no timeouts', () => {
    expect(resolveChildSpec({ id: 'w', start })).toEqual({
      id: 'w',
      kind: 'worker',
      restart: 'permanent',
      shutdownMs: 5000,
      backoff: defaultChildOptions.backoff,
      onExhausted: 'escalate',
      start,
      logic: null,
      input: undefined,
      startTimeoutMs: null,
      maxRunMs: null,
    });
  });

  it('fills a supervisor and its children from defaultChildOptions', () => {
    expect(resolveChildSpec({ id: 's', children: [{ id: 'w', start }] })).toMatchObject({
      kind: 'supervisor',
      strategy: 'one-for-one',
      maxRestarts: 3,
      withinMs: 5000,
      children: [{ id: 'w', kind: 'worker', onExhausted: 'escalate' }],
    });
  });

  it("merges a partial backoff over the default's cap and jitter", () => {
    const spec = resolveChildSpec({
      id: 'w',
      start,
      backoff: { type: 'exponential', delayMs: 10 },
    });
    expect(spec.backoff).toEqual({
      type: 'exponential',
      delayMs: 10,
      factor: 2,
      maxDelayMs: 30_000,
      jitter: 0.2,
    });
  });
});

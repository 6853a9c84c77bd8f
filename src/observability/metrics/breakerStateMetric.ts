import { Gauge, type Registry } from 'prom-client';
import { breakerStates } from '../../machines/circuitBreakerMachine.js';

/** One breaker and the state it is in. */
export interface BreakerStateRow {
  readonly name: string;
  readonly state: string;
}

/**
 * `warden_breaker_state{breaker,state}`: 1 for the state each breaker is in, 0 for its other
 * states, so every breaker shows all four and `== 1` selects its current one.
 */
export function registerBreakerStateMetric(
  registry: Registry,
  read: () => Promise<readonly BreakerStateRow[]>,
): void {
  new Gauge({
    name: 'warden_breaker_state',
    help: 'Circuit breaker states: 1 for the state each breaker is in (closed, open, half-open, isolated), else 0.',
    labelNames: ['breaker', 'state'],
    registers: [registry],
    async collect() {
      const rows = await read();
      this.reset();
      for (const row of rows) {
        for (const state of breakerStates) {
          this.set({ breaker: row.name, state }, row.state === state ? 1 : 0);
        }
      }
    },
  });
}

import { Counter, Gauge, type Registry } from 'prom-client';
import { machineNames } from './machineStates.js';
import type { StateTimes } from './stateTimes.js';

/**
 * `warden_state_seconds_total{machine,state}` and `warden_actors_in_state{machine,state}` for
 * every state of every built-in machine; `refresh` runs first, once per scrape.
 */
export function registerStateMetrics(
  registry: Registry,
  states: StateTimes,
  refresh: () => void,
): void {
  const registers = [registry];
  new Counter({
    name: 'warden_state_seconds_total',
    help: 'Seconds spent in each state of each built-in machine (job, slot, breaker, supervisor, actor), summed over its members, since this process started.',
    labelNames: ['machine', 'state'],
    registers,
    collect() {
      refresh();
      this.reset();
      for (const machine of machineNames) {
        for (const { state, seconds } of states.figures(machine)) {
          this.inc({ machine, state }, seconds);
        }
      }
    },
  });
  new Gauge({
    name: 'warden_actors_in_state',
    help: 'Members of each built-in machine in each state now (jobs as stored; final states read 0).',
    labelNames: ['machine', 'state'],
    registers,
    collect() {
      refresh();
      this.reset();
      for (const machine of machineNames) {
        for (const { state, count } of states.figures(machine)) {
          this.set({ machine, state }, count);
        }
      }
    },
  });
}

import { Counter, Gauge, type Registry } from 'prom-client';
import { machineNames, type MachineName } from './machineStates.js';
import type { StateFigures } from './stateTally.js';

/** Every built-in machine's state figures, read at one moment. */
export type StateReading = Readonly<Record<MachineName, readonly StateFigures[]>>;

/**
 * `warden_state_seconds_total{machine,state}` and `warden_actors_in_state{machine,state}` for
 * every state of every built-in machine, both from one `read` per scrape (share it between the
 * two collectors with `oncePerScrape`), so a scrape refreshes the counts once and shows one moment.
 */
export function registerStateMetrics(registry: Registry, read: () => Promise<StateReading>): void {
  const registers = [registry];
  new Counter({
    name: 'warden_state_seconds_total',
    help: 'Seconds spent in each state of each built-in machine (job, slot, breaker, supervisor, actor), summed over its members, since this process started.',
    labelNames: ['machine', 'state'],
    registers,
    async collect() {
      const reading = await read();
      this.reset();
      for (const machine of machineNames) {
        for (const { state, seconds } of reading[machine]) this.inc({ machine, state }, seconds);
      }
    },
  });
  new Gauge({
    name: 'warden_actors_in_state',
    help: 'Members of each built-in machine in each state now (jobs as stored; final states read 0).',
    labelNames: ['machine', 'state'],
    registers,
    async collect() {
      const reading = await read();
      this.reset();
      for (const machine of machineNames) {
        for (const { state, count } of reading[machine]) this.set({ machine, state }, count);
      }
    },
  });
}

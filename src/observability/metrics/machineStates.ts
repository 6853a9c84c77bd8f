import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { actorMachine } from '../../machines/actorMachine.js';
import { circuitBreakerMachine } from '../../machines/circuitBreakerMachine.js';
import { jobMachine } from '../../machines/jobMachine.js';
import { poolSlotMachine } from '../../machines/poolSlotMachine.js';
import { supervisorMachine } from '../../machines/supervisorMachine.js';

/** The built-in machines whose states are measured, by the `machine` label they carry. */
export const measuredMachines = {
  job: jobMachine,
  slot: poolSlotMachine,
  breaker: circuitBreakerMachine,
  supervisor: supervisorMachine,
  actor: actorMachine,
} as const satisfies Record<string, AnyStateMachine>;

/** The `machine` label of a built-in machine. */
export type MachineName = keyof typeof measuredMachines;

/** Every built-in machine's name, in a fixed order. */
export const machineNames = Object.keys(measuredMachines) as MachineName[];

/** A machine's states as dotted paths (`running`, `running.attempt`), parents before children. */
export interface MachineStates {
  readonly all: readonly string[];
  /** States of `type: 'final'`: a machine there has stopped, so no time accrues in them. */
  readonly final: ReadonlySet<string>;
}

function walk(node: AnyStateNode, prefix: string, all: string[], final: Set<string>): void {
  for (const [key, child] of Object.entries(node.states)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    all.push(path);
    if (child.type === 'final') final.add(path);
    walk(child, path, all, final);
  }
}

/** Reads every state of `machine`, nested ones included, from its definition. */
export function statesOf(machine: AnyStateMachine): MachineStates {
  const all: string[] = [];
  const final = new Set<string>();
  walk(machine.root, '', all, final);
  return { all, final };
}

/** The states of each built-in machine, read once. */
export const builtInStates: Readonly<Record<MachineName, MachineStates>> = Object.fromEntries(
  machineNames.map((name) => [name, statesOf(measuredMachines[name])]),
) as Record<MachineName, MachineStates>;

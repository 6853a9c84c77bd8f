import type { AnyStateMachine } from 'xstate';
import { InvalidOptionError } from '../errors.js';
import {
  actorMachine,
  circuitBreakerMachine,
  jobMachine,
  poolSlotMachine,
  supervisorMachine,
} from '../machines/index.js';

/** The machines behind Warden's actors, by the name `warden chart` knows them by. */
export const builtInMachines = {
  job: jobMachine,
  slot: poolSlotMachine,
  breaker: circuitBreakerMachine,
  supervisor: supervisorMachine,
  actor: actorMachine,
} as const satisfies Readonly<Record<string, AnyStateMachine>>;

/** The name of a built-in machine: `job`, `slot`, `breaker`, `supervisor` or `actor`. */
export type BuiltInMachineName = keyof typeof builtInMachines;

/** Every built-in machine's name, in chart order. */
export const builtInMachineNames = Object.keys(builtInMachines) as readonly BuiltInMachineName[];

/** True when `name` names a built-in machine. */
export function isBuiltInMachineName(name: string): name is BuiltInMachineName {
  return Object.hasOwn(builtInMachines, name);
}

/** The built-in machine called `name`; an unknown name is refused with the names there are. */
export function chartOf(name: string): AnyStateMachine {
  if (!isBuiltInMachineName(name)) {
    throw new InvalidOptionError(
      'machine',
      `one of ${builtInMachineNames.map((n) => `\`${n}\``).join(', ')}`,
      name,
    );
  }
  return builtInMachines[name];
}

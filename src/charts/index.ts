/**
 * `warden/charts`: state charts of XState machines, drawn offline from the machines themselves
 * (through `xstate/graph`) as Mermaid, Graphviz DOT or SVG, for Warden's built-in machines and
 * for any user machine.
 */
export { toMermaid } from './toMermaid.js';
export { toDot } from './toDot.js';
export { toSvg } from './toSvg.js';
export { chartFormats, isChartFormat, renderChart, resolveMachine } from './renderChart.js';
export type { ChartFormat } from './renderChart.js';
export {
  builtInMachineNames,
  builtInMachines,
  chartOf,
  isBuiltInMachineName,
} from './builtInMachines.js';
export type { BuiltInMachineName } from './builtInMachines.js';
export { loadMachine, parseMachineSpec } from './loadMachine.js';
export type { LoadMachineOptions, MachineSpec } from './loadMachine.js';
export { allStates, chartModel, isStateMachine } from './chartModel.js';
export type {
  ChartModel,
  ChartState,
  ChartStateType,
  ChartTransition,
  ChartTransitionKind,
} from './chartModel.js';
export { MachineLoadError } from '../errors.js';
export type { MachineLoadFailure } from '../errors.js';

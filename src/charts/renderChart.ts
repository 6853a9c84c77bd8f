import type { AnyStateMachine } from 'xstate';
import { InvalidOptionError } from '../errors.js';
import { chartOf, isBuiltInMachineName } from './builtInMachines.js';
import { loadMachine, type LoadMachineOptions } from './loadMachine.js';
import { toDot } from './toDot.js';
import { toMermaid } from './toMermaid.js';
import { toSvg } from './toSvg.js';

/** The formats a chart is written in. */
export const chartFormats = ['mermaid', 'dot', 'svg'] as const;

/** A chart format: `mermaid` (stateDiagram-v2), `dot` (Graphviz) or `svg` (drawn by Graphviz). */
export type ChartFormat = (typeof chartFormats)[number];

/** True when `value` is a chart format. */
export function isChartFormat(value: unknown): value is ChartFormat {
  return typeof value === 'string' && (chartFormats as readonly string[]).includes(value);
}

/** What writes each format: a record, so a format added to the union needs its writer. */
const writers: Readonly<
  Record<ChartFormat, (machine: AnyStateMachine) => string | Promise<string>>
> = {
  mermaid: toMermaid,
  dot: toDot,
  svg: toSvg,
};

/** A machine's chart in `format`; an unknown format is refused with `InvalidOptionError`. */
export async function renderChart(machine: AnyStateMachine, format: ChartFormat): Promise<string> {
  if (!isChartFormat(format)) {
    throw new InvalidOptionError('format', 'one of `mermaid`, `dot`, `svg`', format);
  }
  return writers[format](machine);
}

/**
 * The machine `target` names: a built-in one by name (`job`, `slot`, `breaker`, `supervisor`,
 * `actor`), or a user's machine by a `./path/to/file.js#export` spec (anything with a `/`, a `#`
 * or a file extension), as `warden chart <target>` takes it.
 */
export async function resolveMachine(
  target: string,
  options?: LoadMachineOptions,
): Promise<AnyStateMachine> {
  if (isBuiltInMachineName(target)) return chartOf(target);
  if (/[/\\#]|\.[cm]?[jt]s$/.test(target)) return loadMachine(target, options);
  return chartOf(target); // refuses the unknown name, listing the built-in ones
}

import type { AnyStateMachine } from 'xstate';
import type { Viz } from '@viz-js/viz';
import { InternalError } from '../errors.js';
import { toDot } from './toDot.js';

let viz: Promise<Viz> | undefined;

/** Graphviz compiled to WebAssembly, loaded on first use: no browser, no network, no binary. */
function graphviz(): Promise<Viz> {
  viz ??= import('@viz-js/viz').then((module) => module.instance());
  return viz;
}

/**
 * An SVG drawing of a machine: its DOT chart (see `toDot`) laid out and drawn by Graphviz's `dot`
 * engine, offline, in this process.
 */
export async function toSvg(machine: AnyStateMachine): Promise<string> {
  const dot = toDot(machine);
  const result = (await graphviz()).render(dot, { format: 'svg', engine: 'dot' });
  if (result.status !== 'success') {
    const messages = result.errors.map((error) => error.message).join('; ');
    throw new InternalError(`Graphviz could not draw the chart of \`${machine.id}\`: ${messages}`);
  }
  return result.output;
}

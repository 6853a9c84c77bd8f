import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { builtInMachineNames } from '../../charts/builtInMachines.js';
import {
  chartFormats,
  isChartFormat,
  renderChart,
  resolveMachine,
  type ChartFormat,
} from '../../charts/renderChart.js';
import { InvalidOptionError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { json } from '../output.js';

/** `--format`: one of the chart formats. */
export function parseFormat(text: string): ChartFormat {
  if (!isChartFormat(text)) {
    throw new InvalidOptionError(
      '--format',
      `one of ${chartFormats.map((f) => `\`${f}\``).join(', ')}`,
      text,
    );
  }
  return text;
}

interface ChartFlags {
  readonly format: ChartFormat;
  readonly out?: string;
}

/** Writes a chart to `--out`; a path that cannot be written is a bad argument, quoted. */
function writeChart(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    throw new InvalidOptionError(
      '--out',
      `a file that can be written (writing it failed: ${code})`,
      path,
    );
  }
}

/** Adds `chart` to `program`. */
export function addChart(program: Command, ctx: CliContext): Command {
  return program
    .command('chart')
    .description(
      'draw a state machine offline: a built-in one, or an XState v5 machine exported by your module',
    )
    .argument(
      '<machine>',
      `${builtInMachineNames.join(', ')}, or ./path/to/file.js#export (the default export without #)`,
    )
    .option('--format <format>', chartFormats.join(', '), parseFormat, 'mermaid' as ChartFormat)
    .option('--out <file>', 'write the chart to this file instead of stdout')
    .action(async (target: string, flags: ChartFlags, command: Command) => {
      const globals = ctx.globals(command);
      const machine = await resolveMachine(target);
      const chart = await renderChart(machine, flags.format);
      const text = chart.endsWith('\n') ? chart : `${chart}\n`;
      if (flags.out !== undefined) {
        writeChart(flags.out, text);
        if (globals.json) {
          ctx.out(
            json({
              machine: target,
              format: flags.format,
              out: flags.out,
              bytes: Buffer.byteLength(text),
            }),
          );
        } else {
          ctx.note(`chart of ${target} (${flags.format}) written to ${flags.out}`);
        }
        return;
      }
      ctx.out(globals.json ? json({ machine: target, format: flags.format, chart: text }) : text);
    });
}

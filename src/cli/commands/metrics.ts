import type { Command } from 'commander';
import { databaseMetrics } from '../../observability/metrics/databaseMetrics.js';
import type { CliContext } from '../context.js';
import { json } from '../output.js';
import { provenance, snapshotCommand, snapshotView } from '../snapshot.js';

/** The metric families a Prometheus text names (its `# TYPE` lines). */
function familiesOf(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] ?? ''));
}

/**
 * The families of `extra` that `base` lacks, appended to `base`: one exposition, no family twice.
 * Prom-client writes each family as a block that starts with its `# HELP` line.
 */
export function mergeExpositions(base: string, extra: string): string {
  const have = familiesOf(base);
  const blocks = extra.split(/^(?=# HELP )/m).filter((block) => block.trim() !== '');
  const added = blocks.filter((block) => {
    const name = /^# HELP (\S+) /.exec(block)?.[1];
    return name !== undefined && !have.has(name);
  });
  const head = base.endsWith('\n') || base === '' ? base : `${base}\n`;
  return `${head}${added.map((block) => (block.endsWith('\n') ? block : `${block}\n`)).join('')}`;
}

/** Adds `metrics` to `program`. */
export function addMetrics(program: Command, ctx: CliContext): Command {
  return snapshotCommand(
    program,
    'metrics',
    "Prometheus text: the live owner's metrics (its published `metrics` snapshot) plus what the file tells; without a live owner, what the file tells",
  ).action(async (flags: { maxAge: number }, command: Command) => {
    const globals = ctx.globals(command);
    const { view, fromFile } = await ctx.readAsync(globals, async (db) => ({
      view: snapshotView(db, 'metrics', ctx.io.clock, flags.maxAge),
      fromFile: await databaseMetrics(db),
    }));
    const owner = view.snapshot?.body as { text?: unknown } | undefined;
    const live = view.fresh && typeof owner?.text === 'string';
    const text = live ? mergeExpositions(owner.text as string, fromFile) : fromFile;
    if (globals.json) {
      // One JSON document, as every --json: the provenance, and the exposition as a string.
      ctx.out(json({ ...provenance(view), live, metrics: text }));
      return;
    }
    if (!live) ctx.note(`warden: ${view.note}; printing the metrics the file holds only`);
    ctx.out(text);
  });
}

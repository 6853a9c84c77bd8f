import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { runDemo, type DemoSummary } from '../demo.js';
import { parseLimit } from '../options.js';
import { formatDuration, json } from '../output.js';
import { Progress } from '../progress.js';
import { countTable } from './jobs.js';

/** The exit code of a demo stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const interruptedExitCode = 130;

interface DemoFlags {
  readonly scale: number;
  readonly fresh?: boolean;
  readonly linger?: boolean;
}

function summaryText(summary: DemoSummary, elapsedMs: number): string {
  const head = summary.completed
    ? `demo: ${summary.enqueued} jobs enqueued into ${summary.database}; every job finished in ${formatDuration(elapsedMs)}`
    : `demo: stopped early after ${formatDuration(elapsedMs)}; run it again on ${summary.database} to resume`;
  return `${head}\n\n${countTable(new Map(Object.entries(summary.counts)))}`;
}

/** Adds `demo` to `program`. */
export function addDemo(program: Command, ctx: CliContext): Command {
  return program
    .command('demo')
    .description(
      'run a demo workload (emails, images, reports, webhooks; a breaker and a pool) on the database, creating it',
    )
    .option('--scale <n>', 'emails to send; the other kinds scale with it', parseLimit, 60)
    .option('--fresh', 'delete the database file first')
    .option('--linger', 'stay the running owner after the jobs finish, until Ctrl-C')
    .action(async (flags: DemoFlags, command: Command) => {
      const globals = ctx.globals(command);
      if (flags.fresh === true) {
        for (const suffix of ['', '-wal', '-shm'])
          rmSync(`${globals.database}${suffix}`, { force: true });
      }
      const controller = new AbortController();
      const stopListening = ctx.io.onInterrupt(() => controller.abort(new Error('interrupted')));
      const release = ctx.io.hold();
      const progress = new Progress(ctx.io, 'demo: jobs finished', undefined, globals.json);
      const startedAt = ctx.io.clock.now();
      // When every job had finished: the time of the run, without --linger or the Warden's stop.
      let finishedAt: number | undefined;
      try {
        const summary = await runDemo({
          database: globals.database,
          scale: flags.scale,
          clock: ctx.io.clock,
          signal: controller.signal,
          onProgress: (finished, total) => progress.update(finished, total),
          beforeStop: async () => {
            finishedAt = ctx.io.clock.now();
            progress.finish();
            if (flags.linger !== true) return;
            ctx.note(
              `demo: every job finished; this process still owns ${globals.database}: try \`warden health --database ${globals.database}\` in another terminal, Ctrl-C to stop`,
            );
            await new Promise<void>((resolve) => {
              if (controller.signal.aborted) resolve();
              controller.signal.addEventListener('abort', () => resolve(), { once: true });
            });
          },
        });
        progress.finish();
        const elapsed = (finishedAt ?? ctx.io.clock.now()) - startedAt;
        ctx.out(globals.json ? json(summary) : summaryText(summary, elapsed));
        if (!summary.completed) ctx.exitCode = interruptedExitCode;
      } finally {
        progress.finish();
        release();
        stopListening();
      }
    });
}

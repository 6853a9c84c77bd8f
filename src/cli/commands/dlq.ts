import type { Command } from 'commander';
import type { JobPage } from '../../persistence/Store.js';
import type { CliContext } from '../context.js';
import { parseLimit } from '../options.js';
import { cell, formatTime, json, table } from '../output.js';
import { addReplay } from './commands.js';
import { readListing } from './jobs.js';

/** The table of dead-lettered jobs: when each died, after how many attempts, and why. */
export function deadTable(page: JobPage): string {
  const text = table(
    [
      { header: 'ID', right: true },
      { header: 'TYPE' },
      { header: 'ATTEMPTS', right: true },
      { header: 'DIED (UTC)' },
      { header: 'ERROR' },
    ],
    page.jobs.map((job) => [
      job.id,
      job.type,
      `${job.attempt}/${job.maxAttempts}`,
      formatTime(job.finishedAt ?? job.updatedAt),
      cell(
        job.error === null ? '' : `${job.error.code ?? job.error.name}: ${job.error.message}`,
        80,
      ),
    ]),
  );
  const count = `${page.jobs.length} dead job${page.jobs.length === 1 ? '' : 's'}`;
  const more = page.nextCursor === null ? '' : `; more follow: --after ${page.nextCursor}`;
  return `${text}(${count}${more})\n`;
}

/** Adds `dlq list` and `dlq replay` (commands.ts) to `program`. */
export function addDlq(program: Command, ctx: CliContext): Command {
  const dlq = program
    .command('dlq')
    .description('the dead-letter queue: list and replay dead jobs');
  dlq
    .command('list')
    .description('dead jobs in the order they were enqueued, with their last error')
    .option('--type <type>', 'only jobs of this type')
    .option('--limit <n>', 'at most this many jobs', parseLimit, 100)
    .option('--after <cursor>', 'start after this cursor (printed under a page) or job id')
    .action((options: { type?: string; limit: number; after?: string }, command: Command) => {
      const globals = ctx.globals(command);
      const page = ctx.read(globals, (db) =>
        readListing(ctx, db, { ...options, status: ['dead'] }, globals.json),
      );
      ctx.out(globals.json ? json(page) : deadTable(page));
    });
  addReplay(dlq, ctx);
  return dlq;
}

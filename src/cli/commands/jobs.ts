import type Database from 'better-sqlite3';
import type { Command } from 'commander';
import { JobNotFoundError } from '../../errors.js';
import { jobStatuses, type JobStatus } from '../../machines/jobMachine.js';
import { countJobs } from '../../persistence/sqlite/countJobs.js';
import { listJobsPage } from '../../persistence/sqlite/listJobs.js';
import { JobReads } from '../../persistence/sqlite/readJobs.js';
import { PausedTypeReads } from '../../persistence/sqlite/pausedTypes.js';
import type { Job, JobFilter, JobPage, PausedTypeRecord } from '../../persistence/Store.js';
import type { CliContext } from '../context.js';
import { afterCursor, parseJobId, parseLimit, parseStatuses } from '../options.js';
import { cell, fields, formatTime, json, table } from '../output.js';
import { Progress } from '../progress.js';
import { addJobCommands } from './commands.js';

/** Rows read per page of a listing. */
const pageRows = 1000;

/** What `jobs list` and `dlq list` take. */
export interface ListOptions {
  readonly status?: JobStatus[];
  readonly type?: string;
  readonly limit: number;
  readonly after?: string;
}

/**
 * Up to `limit` jobs matching the filter after the cursor, read page by page (a progress line on
 * a terminal for a long listing), with the cursor of what follows.
 */
export function readListing(
  ctx: CliContext,
  db: Database.Database,
  options: ListOptions,
  quiet: boolean,
): JobPage {
  const filter: JobFilter = {
    ...(options.status === undefined ? {} : { status: options.status }),
    ...(options.type === undefined ? {} : { type: options.type }),
  };
  const jobs: Job[] = [];
  let after = afterCursor(options.after, filter);
  const progress = new Progress(
    ctx.io,
    'reading jobs',
    options.limit,
    quiet || options.limit <= pageRows,
  );
  try {
    for (;;) {
      const limit = Math.min(pageRows, options.limit - jobs.length);
      const page = listJobsPage(db, {
        ...filter,
        limit,
        ...(after === undefined ? {} : { after }),
      });
      jobs.push(...page.jobs);
      progress.update(jobs.length);
      if (page.nextCursor === null || jobs.length >= options.limit) {
        return { jobs, nextCursor: page.nextCursor };
      }
      after = page.nextCursor;
    }
  } finally {
    progress.finish();
  }
}

function errorText(job: Job): string {
  if (job.error === null) return '';
  return `${job.error.code ?? job.error.name}: ${job.error.message}`;
}

/** The table of a listing, with a footer naming the next page when one follows. */
export function jobsTable(page: JobPage): string {
  const rows = page.jobs.map((job) => [
    job.id,
    job.type,
    job.status,
    String(job.priority),
    `${job.attempt}/${job.maxAttempts}`,
    formatTime(job.updatedAt),
    cell(errorText(job)),
  ]);
  const text = table(
    [
      { header: 'ID', right: true },
      { header: 'TYPE' },
      { header: 'STATUS' },
      { header: 'PRI', right: true },
      { header: 'ATTEMPT', right: true },
      { header: 'UPDATED (UTC)' },
      { header: 'LAST ERROR' },
    ],
    rows,
  );
  const count = `${page.jobs.length} job${page.jobs.length === 1 ? '' : 's'}`;
  const more = page.nextCursor === null ? '' : `; more follow: --after ${page.nextCursor}`;
  return `${text}(${count}${more})\n`;
}

/** How many jobs of each type are in each status, read from the kept counts. */
export function countsByType(db: Database.Database): Map<string, Record<JobStatus, number>> {
  const rows = db
    .prepare<[], { type: string; status: string; n: number }>(
      'SELECT type, status, sum(n) AS n FROM job_counts GROUP BY type, status HAVING sum(n) > 0 ORDER BY type',
    )
    .all();
  const byType = new Map<string, Record<JobStatus, number>>();
  for (const row of rows) {
    let counts = byType.get(row.type);
    if (counts === undefined) {
      counts = Object.fromEntries(jobStatuses.map((s) => [s, 0])) as Record<JobStatus, number>;
      byType.set(row.type, counts);
    }
    if (Object.hasOwn(counts, row.status)) counts[row.status as JobStatus] = row.n;
  }
  return byType;
}

function totalOf(
  byType: ReadonlyMap<string, Record<JobStatus, number>>,
): Record<JobStatus, number> {
  const total = Object.fromEntries(jobStatuses.map((s) => [s, 0])) as Record<JobStatus, number>;
  for (const counts of byType.values()) {
    for (const status of jobStatuses) total[status] += counts[status];
  }
  return total;
}

function sum(counts: Record<JobStatus, number>): number {
  return jobStatuses.reduce((total, status) => total + counts[status], 0);
}

function showJob(ctx: CliContext, db: Database.Database, id: string, asJson: boolean): void {
  const reads = new JobReads(db);
  const job = reads.getJob(id);
  if (job === undefined) throw new JobNotFoundError(id);
  const history = reads.history(id);
  if (asJson) {
    ctx.out(json({ job, history }));
    return;
  }
  const pretty = (value: unknown): string => JSON.stringify(value, null, 2) ?? 'null';
  ctx.out(
    fields([
      ['id', job.id],
      ['type', job.type],
      ['status', job.status],
      ['priority', String(job.priority)],
      ['attempt', `${job.attempt} of ${job.maxAttempts}`],
      ['stalls', String(job.stalls)],
      ['idempotency key', job.idempotencyKey ?? ''],
      ['created', formatTime(job.createdAt)],
      ['updated', formatTime(job.updatedAt)],
      ['run at', formatTime(job.runAt)],
      ['started', formatTime(job.startedAt)],
      ['finished', formatTime(job.finishedAt)],
      ['progress', job.progress === null ? '' : JSON.stringify(job.progress)],
      ['via fallback', job.viaFallback ? 'yes' : 'no'],
      ['last error', errorText(job)], // a succeeded job's is an earlier attempt's
    ]),
  );
  ctx.out(`\npayload:\n${pretty(job.payload)}\n`);
  if (job.result !== null) ctx.out(`\nresult:\n${pretty(job.result)}\n`);
  if (job.checkpoint !== null) ctx.out(`\ncheckpoint:\n${pretty(job.checkpoint)}\n`);
  ctx.out('\nhistory:\n');
  ctx.out(
    table(
      [
        { header: 'AT (UTC)' },
        { header: 'EVENT' },
        { header: 'FROM' },
        { header: 'TO' },
        { header: 'ATTEMPT', right: true },
        { header: 'ERROR' },
      ],
      history.map((entry) => [
        formatTime(entry.at),
        entry.event,
        entry.from ?? '',
        entry.to,
        String(entry.attempt),
        cell(
          entry.error === null
            ? ''
            : `${entry.error.code ?? entry.error.name}: ${entry.error.message}`,
        ),
      ]),
    ),
  );
}

/** The table of counts by type and status, with a total row (summed from the types when not given). */
export function countTable(
  byType: ReadonlyMap<string, Record<JobStatus, number>>,
  total: Record<JobStatus, number> = totalOf(byType),
): string {
  const rows = [...byType].map(([type, counts]) => [
    type,
    ...jobStatuses.map((status) => String(counts[status])),
    String(sum(counts)),
  ]);
  rows.push(['(all)', ...jobStatuses.map((status) => String(total[status])), String(sum(total))]);
  return table(
    [
      { header: 'TYPE' },
      ...jobStatuses.map((s) => ({ header: s.toUpperCase(), right: true })),
      { header: 'TOTAL', right: true },
    ],
    rows,
  );
}

/** The table of paused job types. */
function pausedTable(paused: readonly PausedTypeRecord[]): string {
  const text = table(
    [{ header: 'TYPE' }, { header: 'PAUSED (UTC)' }, { header: 'BY' }],
    paused.map((p) => [p.type, formatTime(p.pausedAt), p.pausedBy]),
  );
  return `${text}(${paused.length} paused type${paused.length === 1 ? '' : 's'})\n`;
}

/** Adds `jobs list|show|count|paused` (and, through `commands`, the write subcommands) to `program`. */
export function addJobs(program: Command, ctx: CliContext): Command {
  const jobs = program
    .command('jobs')
    .description('list, show and count jobs; pause, resume or cancel');
  jobs
    .command('list')
    .description('list jobs in id order (the order they were enqueued)')
    .option('--status <statuses>', 'only jobs in these statuses (comma-separated)', parseStatuses)
    .option('--type <type>', 'only jobs of this type')
    .option('--limit <n>', 'at most this many jobs', parseLimit, 100)
    .option('--after <cursor>', 'start after this cursor (printed under a page) or job id')
    .action((options: ListOptions, command: Command) => {
      const globals = ctx.globals(command);
      const page = ctx.read(globals, (db) => readListing(ctx, db, options, globals.json));
      ctx.out(globals.json ? json(page) : jobsTable(page));
    });
  jobs
    .command('show')
    .description('one job: its fields, payload, result and history')
    .argument('<id>', 'the job id', parseJobId)
    .action((id: string, _options: unknown, command: Command) => {
      const globals = ctx.globals(command);
      ctx.read(globals, (db) => showJob(ctx, db, id, globals.json));
    });
  jobs
    .command('count')
    .description('how many jobs are in each status, by type')
    .option('--type <type>', 'only jobs of this type')
    .action((options: { type?: string }, command: Command) => {
      const globals = ctx.globals(command);
      ctx.read(globals, (db) => {
        const all = countsByType(db);
        const byType =
          options.type === undefined
            ? all
            : new Map([[options.type, all.get(options.type) ?? countJobs(db, options.type)]]);
        const total = options.type === undefined ? countJobs(db) : countJobs(db, options.type);
        if (globals.json) {
          ctx.out(json({ total: sum(total), byStatus: total, byType: Object.fromEntries(byType) }));
        } else {
          ctx.out(countTable(byType, total));
        }
      });
    });
  jobs
    .command('paused')
    .description('the paused job types: their jobs wait, spending no attempts, until resumed')
    .action((_options: unknown, command: Command) => {
      const globals = ctx.globals(command);
      const paused = ctx.read(globals, (db) => new PausedTypeReads(db).pausedTypes());
      ctx.out(globals.json ? json({ paused }) : pausedTable(paused));
    });
  addJobCommands(jobs, ctx);
  return jobs;
}

import type { Command } from 'commander';
import { InvalidOptionError } from '../../errors.js';
import {
  errorSources,
  listErrorEvents,
  maxErrorLimit,
  resolveErrorEventFilter,
  type ErrorEvent,
  type ErrorSource,
  type ErrorEventFilter,
} from '../../persistence/sqlite/errorEvents.js';
import type { CliContext } from '../context.js';
import { wholeNumber } from '../options.js';
import { cell, formatTime, json, table } from '../output.js';

const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: a time ago (`30s`, `15m`, `2h`, `7d`) or an ISO 8601 time (`2024-05-01`,
 * `2024-05-01T12:00:00Z`), as ms since the epoch, `now` being the CLI's clock.
 */
export function parseSince(text: string, now: number): number {
  const ago = /^(\d{1,9})([smhd])$/.exec(text);
  if (ago !== null) {
    const since = now - Number(ago[1]) * (units[ago[2] ?? 's'] ?? 1000);
    if (since < 0) throw new InvalidOptionError('--since', 'a time ago since 1970', text);
    return since;
  }
  const at = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)
    ? Date.parse(text)
    : Number.NaN;
  if (Number.isNaN(at)) {
    throw new InvalidOptionError(
      '--since',
      'a time ago (`30s`, `15m`, `2h`, `7d`) or an ISO 8601 time (`2024-05-01T12:00:00Z`)',
      text,
    );
  }
  return at;
}

/** `--source`: where the failures happened. */
export function parseSource(text: string): ErrorSource {
  const source = errorSources.find((s) => s === text);
  if (source === undefined) {
    throw new InvalidOptionError('--source', `one of ${errorSources.join(', ')}`, text);
  }
  return source;
}

interface ErrorsFlags {
  readonly source?: ErrorSource;
  readonly type?: string;
  readonly subject?: string;
  readonly since?: string;
  readonly before?: string;
  readonly limit: number;
}

/** The table of error events, newest first, with a footer naming the next page when one may follow. */
export function errorsTable(events: readonly ErrorEvent[], limit: number): string {
  const text = table(
    [
      { header: 'ID', right: true },
      { header: 'AT (UTC)' },
      { header: 'SOURCE' },
      { header: 'SUBJECT' },
      { header: 'KIND' },
      { header: 'JOB TYPE' },
      { header: 'ATTEMPT', right: true },
      { header: 'ERROR' },
      { header: 'TRACE' },
    ],
    events.map((event) => [
      event.id,
      formatTime(event.at),
      event.source,
      cell(event.subject, 40),
      event.kind,
      event.jobType ?? '',
      event.attempt === null ? '' : String(event.attempt),
      cell(
        event.error === null
          ? ''
          : `${event.error.code ?? event.error.name}: ${event.error.message}`,
        70,
      ),
      event.traceId ?? '',
    ]),
  );
  const last = events.at(-1);
  const more =
    events.length === limit && last !== undefined ? `; older ones: --before ${last.id}` : '';
  return `${text}(${events.length} error event${events.length === 1 ? '' : 's'}${more})\n`;
}

/** Adds `errors` to `program`. */
export function addErrors(program: Command, ctx: CliContext): Command {
  return program
    .command('errors')
    .description(
      'recorded failures (jobs, actors, breakers, pools, the store, commands), newest first',
    )
    .option(
      '--source <source>',
      'only from job, actor, breaker, pool, store or command',
      parseSource,
    )
    .option('--type <type>', 'only failures of jobs of this type')
    .option('--subject <subject>', 'only of this job id, actor id, breaker or pool name')
    .option('--since <when>', 'only since a time ago (15m, 2h, 7d) or an ISO time')
    .option(
      '--before <id>',
      'only older than this event (the id a full page ends with)',
      (text: string) => String(wholeNumber('--before', text, 1, 999_999_999_999_999)),
    )
    .option(
      '--limit <n>',
      `at most this many, up to ${maxErrorLimit}`,
      (text: string) => wholeNumber('--limit', text, 1, maxErrorLimit),
      100,
    )
    .action((flags: ErrorsFlags, command: Command) => {
      const globals = ctx.globals(command);
      const filter: ErrorEventFilter = {
        ...(flags.source === undefined ? {} : { source: flags.source }),
        ...(flags.type === undefined ? {} : { jobType: flags.type }),
        ...(flags.subject === undefined ? {} : { subject: flags.subject }),
        ...(flags.since === undefined
          ? {}
          : { since: parseSince(flags.since, ctx.io.clock.now()) }),
        ...(flags.before === undefined ? {} : { before: flags.before }),
        limit: flags.limit,
      };
      resolveErrorEventFilter(filter); // a bad value is refused before the file is opened
      const events = ctx.read(globals, (db) => listErrorEvents(db, filter));
      ctx.out(globals.json ? json({ events }) : errorsTable(events, flags.limit));
    });
}

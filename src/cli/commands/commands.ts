/**
 * The subcommands that change what the file's owner does — `jobs pause|resume|cancel`,
 * `dlq replay`, `actors restart` — all through the commands path (src/commands): each is a row
 * in the `commands` table that a live owner carries out within `--timeout`, or, with no live
 * owner, this process carries out itself (actor restarts excepted: only an actor's own process
 * can restart it).
 */
import type { Command } from 'commander';
import { InvalidOptionError } from '../../errors.js';
import {
  issueCommand,
  type CommandOutcome,
  type CommandRequest,
} from '../../commands/issueCommand.js';
import { replayAllDead, type ReplayAllResult } from '../../commands/replayAllDead.js';
import type {
  ActorCommandResult,
  JobCommandResult,
  TypeCommandResult,
} from '../../supervisor/commands/commandKinds.js';
import type { CliContext } from '../context.js';
import { exitCodes } from '../exitCodes.js';
import { parseJobId, wholeNumber } from '../options.js';
import { json } from '../output.js';
import { ownerOf } from '../owner.js';
import { Progress } from '../progress.js';

/** How long the CLI waits for the owner by default. */
export const defaultTimeoutMs = 10_000;

/** `--timeout`: how long to wait for the owner, in milliseconds. */
export function parseTimeout(text: string): number {
  return wholeNumber('--timeout', text, 1, 3_600_000);
}

interface TimeoutFlags {
  readonly timeout: number;
}

function withTimeout(command: Command): Command {
  return command.option(
    '--timeout <ms>',
    'give up when the owner has not carried it out within this many ms',
    parseTimeout,
    defaultTimeoutMs,
  );
}

/** Who carried a command out, for people. */
function by(via: 'owner' | 'direct'): string {
  return via === 'owner' ? 'by the owning process' : 'directly (no process owns the file)';
}

/** One line saying what a command did. */
export function outcomeLine(outcome: CommandOutcome): string {
  switch (outcome.kind) {
    case 'job.replay':
    case 'job.cancel': {
      const { job } = outcome.result as JobCommandResult;
      const verb = outcome.kind === 'job.replay' ? 'replayed' : 'cancelled';
      return `job ${job.id} (${job.type}) ${verb} ${by(outcome.via)}: now ${job.status}, attempt ${job.attempt}/${job.maxAttempts}`;
    }
    case 'type.pause':
    case 'type.resume': {
      const result = outcome.result as TypeCommandResult;
      const state = result.paused ? 'paused' : 'resumed';
      const already = result.changed
        ? ''
        : ` (it was already ${result.paused ? 'paused' : 'running'})`;
      return `job type ${result.type} ${state} ${by(outcome.via)}${already}`;
    }
    default: {
      const result = outcome.result as ActorCommandResult;
      return `actor ${result.actorId} ${result.state} ${by(outcome.via)}`;
    }
  }
}

/** Checks the file (exit codes 8 to 10), then issues `request` and prints what it did. */
async function issue(
  ctx: CliContext,
  command: Command,
  request: CommandRequest,
  flags: TimeoutFlags,
): Promise<void> {
  const globals = ctx.globals(command);
  ctx.read(globals, (db) => ownerOf(db, ctx.io.clock));
  const outcome = await issueCommand(globals.database, request, { timeoutMs: flags.timeout });
  ctx.out(globals.json ? json(outcome) : `${outcomeLine(outcome)}\n`);
}

/** Adds `jobs pause|resume|cancel` to the `jobs` command. */
export function addJobCommands(jobs: Command, ctx: CliContext): void {
  for (const [name, kind, what] of [
    [
      'pause',
      'type.pause',
      'pause a job type: its jobs wait, spending no attempts (survives restarts)',
    ],
    ['resume', 'type.resume', 'resume a paused job type'],
  ] as const) {
    withTimeout(jobs.command(name).description(what).argument('<type>', 'the job type')).action(
      (type: string, flags: TimeoutFlags, command: Command) =>
        issue(ctx, command, { kind, target: type }, flags),
    );
  }
  withTimeout(
    jobs
      .command('cancel')
      .description('cancel a job that has not finished (a running one is aborted)')
      .argument('<id>', 'the job id', parseJobId),
  ).action((id: string, flags: TimeoutFlags, command: Command) =>
    issue(ctx, command, { kind: 'job.cancel', target: id }, flags),
  );
}

interface ReplayFlags extends TimeoutFlags {
  readonly all?: boolean;
  readonly type?: string;
}

/** What a bulk replay did, with the replays the owner refused. */
export function replayText(result: ReplayAllResult): string {
  const head = `replayed ${result.replayed} of ${result.total} dead job${result.total === 1 ? '' : 's'} ${by(result.via)}`;
  const failures = result.failed.map(
    (f) => `  job ${f.jobId}: ${f.error.code ?? f.error.name}: ${f.error.message}`,
  );
  const refused = result.failed.length === 0 ? '' : `; refused:\n${failures.join('\n')}`;
  return `${head}${refused}\n`;
}

async function replayAll(ctx: CliContext, command: Command, flags: ReplayFlags): Promise<void> {
  const globals = ctx.globals(command);
  ctx.read(globals, (db) => ownerOf(db, ctx.io.clock));
  const progress = new Progress(ctx.io, 'replaying dead jobs', undefined, globals.json);
  let result: ReplayAllResult;
  try {
    result = await replayAllDead(
      globals.database,
      flags.type === undefined ? {} : { type: flags.type },
      {
        timeoutMs: flags.timeout,
        onProgress: (p) => progress.update(p.finished, p.total),
      },
    );
  } finally {
    progress.finish();
  }
  ctx.out(
    globals.json
      ? json(result)
      : result.total === 0
        ? 'no dead jobs to replay\n'
        : replayText(result),
  );
  if (result.failed.length > 0 || result.replayed < result.total) ctx.exitCode = exitCodes.failed;
}

/** Adds `dlq replay` to the `dlq` command. */
export function addReplay(dlq: Command, ctx: CliContext): void {
  withTimeout(
    dlq
      .command('replay')
      .description('replay one dead job, or every one (--all, optionally of one --type)')
      .argument('[id]', 'the dead job to replay', parseJobId)
      .option('--all', 'replay every dead job')
      .option('--type <type>', 'with --all: only dead jobs of this type'),
  ).action(async (id: string | undefined, flags: ReplayFlags, command: Command) => {
    if (id !== undefined && (flags.all === true || flags.type !== undefined)) {
      throw new InvalidOptionError(
        'dlq replay',
        'given a dead job id, or --all (and --type), not both',
        `${id} --all`,
      );
    }
    if (id !== undefined) {
      await issue(ctx, command, { kind: 'job.replay', target: id }, flags);
      return;
    }
    if (flags.all !== true) {
      throw new InvalidOptionError(
        'dlq replay',
        'given a dead job id, or --all to replay every dead job',
        flags.type === undefined ? 'no id and no --all' : `--type ${flags.type} without --all`,
      );
    }
    await replayAll(ctx, command, flags);
  });
}

/** Adds `actors restart` to the `actors` command. */
export function addRestart(actors: Command, ctx: CliContext): void {
  withTimeout(
    actors
      .command('restart')
      .description(
        'restart an actor (a dead-lettered one too) in the process that runs it: needs a live owner',
      )
      .argument('<id>', 'the actor id'),
  ).action((id: string, flags: TimeoutFlags, command: Command) =>
    issue(ctx, command, { kind: 'actor.restart', target: id }, flags),
  );
}

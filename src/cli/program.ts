import { Command, CommanderError } from 'commander';
import { CliContext } from './context.js';
import { addActors } from './commands/actors.js';
import { addBreakers } from './commands/breakers.js';
import { addChart } from './commands/chart.js';
import { addDashboard } from './commands/dashboard.js';
import { addDemo } from './commands/demo.js';
import { addDlq } from './commands/dlq.js';
import { addErrors } from './commands/errors.js';
import { addHealth } from './commands/health.js';
import { addJobs } from './commands/jobs.js';
import { addMetrics } from './commands/metrics.js';
import { addPools } from './commands/pools.js';
import { exitCodeOf, exitCodes } from './exitCodes.js';
import type { CliIo } from './output.js';

/** The database file when `--database` is not given. */
export const defaultDatabase = 'warden.db';

/** The `warden` program with every subcommand, writing through `ctx`. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('warden')
    .description(
      'Inspect and operate a Warden database file: jobs, dead letters, actors, breakers, pools, health, metrics, errors and state charts.',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout(text),
      writeErr: (text) => ctx.io.stderr(text),
    })
    .showHelpAfterError('(run with --help for usage)')
    .option('--database <file>', 'the Warden database file', defaultDatabase)
    .option('--json', 'machine-readable output: one JSON document on stdout')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 failed, 2 usage, 3 unhealthy, 4 degraded (health --strict), 5 no live owner, 6 not found, 7 timed out, 8 missing file, 9 not a Warden file, 10 schema too new.',
    );
  addDemo(program, ctx);
  addJobs(program, ctx);
  addDlq(program, ctx);
  addActors(program, ctx);
  addBreakers(program, ctx);
  addPools(program, ctx);
  addHealth(program, ctx);
  addMetrics(program, ctx);
  addErrors(program, ctx);
  addChart(program, ctx);
  addDashboard(program, ctx);
  return program;
}

/** The message for an error that ended a command: a Warden error's own, or the error as text. */
function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Runs `warden` with `argv` (the arguments after the program name) and returns its exit code;
 * errors are reported on stderr as `warden: <message>`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = new CliContext(io);
  const program = buildProgram(ctx);
  if (argv.length === 0) {
    program.outputHelp();
    return exitCodes.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version are not failures; commander has already printed its message.
      // (A command group named without its subcommand, `warden jobs`, shows its help as an error.)
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        (error.code === 'commander.help' && error.exitCode === 0)
      ) {
        return exitCodes.ok;
      }
      return exitCodes.usage;
    }
    io.stderr(`warden: ${messageOf(error)}\n`);
    return exitCodeOf(error);
  }
}

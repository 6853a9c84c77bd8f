import type { Command } from 'commander';
import {
  healthCheckNames,
  type Health,
  type HealthCheck,
  type HealthStatus,
} from '../../observability/healthTypes.js';
import type { CliContext } from '../context.js';
import { exitCodes, type ExitCode } from '../exitCodes.js';
import { cell, fields, table } from '../output.js';
import { printSnapshot, snapshotCommand, snapshotView } from '../snapshot.js';

interface HealthFlags {
  readonly strict?: boolean;
  readonly maxAge: number;
}

/** The exit code for a live owner's status: degraded fails only under `--strict`. */
export function healthExitCode(status: HealthStatus, strict: boolean): ExitCode {
  if (status === 'unhealthy') return exitCodes.unhealthy;
  if (status === 'degraded' && strict) return exitCodes.degraded;
  return exitCodes.ok;
}

/** The health report for people: the verdict, then one row per check. */
export function healthText(health: Health): string {
  const head = fields([
    ['status', health.status],
    ['lifecycle', health.lifecycle],
    ['running jobs', String(health.running)],
    ...(health.error === undefined
      ? []
      : [['error', `${health.error.code ?? health.error.name}: ${health.error.message}`] as const]),
  ]);
  const checks = table(
    [{ header: 'CHECK' }, { header: 'STATUS' }, { header: 'WHY' }],
    healthCheckNames.map((name) => {
      const check: HealthCheck = health.checks[name];
      return [name, check.status, cell(check.message, 100)];
    }),
  );
  return `${head}\n${checks}`;
}

/** Adds `health` to `program`. */
export function addHealth(program: Command, ctx: CliContext): Command {
  return snapshotCommand(
    program,
    'health',
    "the live owner's health (its published `health` snapshot): exit 0 healthy, 3 unhealthy, 4 degraded with --strict, 5 no live owner",
  )
    .option('--strict', 'exit 4 when degraded (by default degraded exits 0)')

    .action((flags: HealthFlags, command: Command) => {
      const globals = ctx.globals(command);
      ctx.read(globals, (db) => {
        const view = snapshotView(db, 'health', ctx.io.clock, flags.maxAge);
        const health = view.snapshot?.body as Health | undefined;
        ctx.exitCode =
          view.fresh && health !== undefined
            ? healthExitCode(health.status, flags.strict === true)
            : exitCodes.noOwner;
        printSnapshot(ctx, globals, view, 'health', healthText);
      });
    });
}

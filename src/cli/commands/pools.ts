import type { Command } from 'commander';
import type { PoolStats } from '../../actors/pool.js';
import type { CliContext } from '../context.js';
import { exitCodes } from '../exitCodes.js';
import { table } from '../output.js';
import { printSnapshot, snapshotCommand, snapshotView } from '../snapshot.js';

/** One pool as the owner publishes it in its `pools` snapshot. */
export interface PoolEntry {
  readonly name: string;
  readonly stats: PoolStats;
}

/** The table of pools: their state, sizes, waiters and failures. */
export function poolsTable(pools: readonly PoolEntry[]): string {
  const text = table(
    [
      { header: 'POOL' },
      { header: 'STATE' },
      { header: 'SIZE', right: true },
      { header: 'IDLE', right: true },
      { header: 'LEASED', right: true },
      { header: 'WAITING', right: true },
      { header: 'USED', right: true },
      { header: 'ACQUIRES', right: true },
      { header: 'TIMEOUTS', right: true },
      { header: 'CREATE ERRS', right: true },
      { header: 'FLAGS' },
    ],
    pools.map(({ name, stats }) => [
      name,
      stats.state,
      String(stats.size),
      String(stats.idle),
      String(stats.leased),
      String(stats.waiting),
      `${Math.round(stats.utilisation * 100)}%`,
      String(stats.acquires),
      String(stats.acquireTimeouts),
      String(stats.errors.create),
      [stats.saturated ? 'saturated' : '', stats.degraded ? 'degraded' : '']
        .filter((flag) => flag !== '')
        .join(','),
    ]),
  );
  return `${text}(${pools.length} pool${pools.length === 1 ? '' : 's'})\n`;
}

/** Adds `pools` to `program`. */
export function addPools(program: Command, ctx: CliContext): Command {
  return snapshotCommand(
    program,
    'pools',
    "resource pools, from the live owner's published `pools` snapshot (exit 5 with no live owner)",
  ).action((flags: { maxAge: number }, command: Command) => {
    const globals = ctx.globals(command);
    ctx.read(globals, (db) => {
      const view = snapshotView(db, 'pools', ctx.io.clock, flags.maxAge);
      if (!view.fresh) ctx.exitCode = exitCodes.noOwner;
      printSnapshot(ctx, globals, view, 'pools', poolsTable);
    });
  });
}

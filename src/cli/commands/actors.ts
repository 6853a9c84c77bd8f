import type { Command } from 'commander';
import { ActorReads } from '../../persistence/sqlite/actorRecords.js';
import type { DeadActorRecord } from '../../persistence/Store.js';
import type { TreeNode } from '../../supervisor/supervision.js';
import type { CliContext } from '../context.js';
import { cell, formatTime, json, table } from '../output.js';
import { provenance, snapshotCommand, snapshotView } from '../snapshot.js';
import { actorsTable, recordedActors, treeRows } from './actorList.js';
import { addRestart } from './commands.js';

/** The table of dead-lettered actors: where each ran, when it died, and its last error. */
export function deadActorsTable(actors: readonly DeadActorRecord[]): string {
  const text = table(
    [
      { header: 'ACTOR' },
      { header: 'SUPERVISOR' },
      { header: 'KIND' },
      { header: 'RESTARTS', right: true },
      { header: 'DIED (UTC)' },
      { header: 'LAST ERROR' },
    ],
    actors.map((actor) => {
      const last = actor.errors.at(-1);
      return [
        actor.actorId,
        actor.supervisorId ?? '',
        actor.kind,
        String(actor.restarts),
        formatTime(actor.at),
        cell(last === undefined ? '' : `${last.code ?? last.name}: ${last.message}`, 80),
      ];
    }),
  );
  return `${text}(${actors.length} dead actor${actors.length === 1 ? '' : 's'})\n`;
}

/** Adds `actors list|dead|restart` to `program`. */
export function addActors(program: Command, ctx: CliContext): Command {
  const actors = program
    .command('actors')
    .description('the supervision tree: its actors, the dead-lettered ones, restarts');
  snapshotCommand(
    actors,
    'list',
    "the supervision tree: the live owner's (its published `tree`), else the file's actor records",
  ).action((flags: { maxAge: number }, command: Command) => {
    const globals = ctx.globals(command);
    ctx.read(globals, (db) => {
      const view = snapshotView(db, 'tree', ctx.io.clock, flags.maxAge);
      const live = view.fresh && view.snapshot !== undefined;
      const rows = live ? treeRows(view.snapshot?.body as TreeNode) : recordedActors(db);
      if (globals.json) {
        ctx.out(json({ source: live ? 'owner' : 'records', ...provenance(view), actors: rows }));
        return;
      }
      if (!live) ctx.note(`${view.note}; listing the file's actor records instead`);
      ctx.out(actorsTable(rows, live));
    });
  });
  actors
    .command('dead')
    .description('actors dead-lettered after spending their restart budget, with their last errors')
    .action((_options: unknown, command: Command) => {
      const globals = ctx.globals(command);
      const dead = ctx.read(globals, (db) => new ActorReads(db).deadActors());
      ctx.out(globals.json ? json({ actors: dead }) : deadActorsTable(dead));
    });
  addRestart(actors, ctx);
  return actors;
}

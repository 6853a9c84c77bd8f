import type { Command } from 'commander';
import { ActorReads } from '../../persistence/sqlite/actorRecords.js';
import type { DeadActorRecord } from '../../persistence/Store.js';
import type { CliContext } from '../context.js';
import { cell, formatTime, json, table } from '../output.js';

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

/** Adds `actors dead` (and `actors list`, `actors restart`) to `program`. */
export function addActors(program: Command, ctx: CliContext): Command {
  const actors = program
    .command('actors')
    .description('the supervision tree: its actors, the dead-lettered ones, restarts');
  actors
    .command('dead')
    .description('actors dead-lettered after spending their restart budget, with their last errors')
    .action((_options: unknown, command: Command) => {
      const globals = ctx.globals(command);
      const dead = ctx.read(globals, (db) => new ActorReads(db).deadActors());
      ctx.out(globals.json ? json({ actors: dead }) : deadActorsTable(dead));
    });
  return actors;
}

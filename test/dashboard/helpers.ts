import { supervisor, type SupervisorSpec } from '../../src/index.js';

/** A tree of the user's own: `feeds` (rest-for-one) over `socket`, which runs until `stops`. */
export function feedsTree(stops: Promise<void>): SupervisorSpec {
  return supervisor({
    id: 'feeds',
    strategy: 'rest-for-one',
    children: [
      {
        id: 'socket',
        start: (ctx) => {
          ctx.ready();
          return stops;
        },
      },
    ],
  });
}

/** A tree of the user's own that spends its budget at once and is dead-lettered: `crashy`. */
export function crashyTree(): SupervisorSpec {
  return supervisor({
    id: 'crashy',
    maxRestarts: 0,
    children: [
      {
        id: 'boom',
        start: () => {
          throw new Error('boom at start');
        },
      },
    ],
  });
}

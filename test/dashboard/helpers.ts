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

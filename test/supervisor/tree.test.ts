import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import {
  breakersNodeId,
  DuplicateActorError,
  InvalidOptionError,
  jobsNodeId,
  poolsNodeId,
  rootId,
  supervisor,
  worker,
  type ChildSpec,
  type TreeNode,
} from '../../src/index.js';
import { testWarden } from '../helpers.js';
import { controlled, nodeOf, systemChildren } from './fixtures.js';

const idle = createMachine({ initial: 'idle', states: { idle: {} } });

/** The ids of the root's own children, in start order. */
const systemIds = [jobsNodeId, breakersNodeId, poolsNodeId];

/** Warden's own `breakers` or `pools` supervisor, idle and without children. */
function emptySupervisor(id: string): TreeNode {
  return {
    id,
    kind: 'supervisor',
    state: 'idle',
    restarts: 0,
    strategy: 'one-for-one',
    children: [],
  };
}

describe('tree()', () => {
  it('is a serialisable snapshot with id, kind, state, restarts, strategy and children', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a');
    await warden.start();
    await warden.supervise(
      supervisor({
        id: 'app',
        strategy: 'rest-for-one',
        children: [a.spec, worker({ id: 'm', logic: idle })],
      }),
    );
    a.current.crash('a crashed');
    await clock.advance(100);

    const tree = warden.tree();

    expect(JSON.parse(JSON.stringify(tree))).toEqual(tree);
    expect(tree).toEqual({
      id: 'root',
      kind: 'supervisor',
      state: 'running',
      restarts: 0,
      strategy: 'one-for-one',
      children: [
        { id: 'jobs', kind: 'worker', state: 'running', restarts: 0 },
        { ...emptySupervisor('breakers'), state: 'running' },
        { ...emptySupervisor('pools'), state: 'running' },
        {
          id: 'app',
          kind: 'supervisor',
          state: 'running',
          restarts: 0,
          strategy: 'rest-for-one',
          lastError: {
            name: 'Error',
            message: 'a crashed',
            stack: expect.stringMatching(/^Error: a crashed\n/) as unknown,
          },
          children: [
            {
              id: 'a',
              kind: 'worker',
              state: 'running',
              restarts: 1,
              lastError: {
                name: 'Error',
                message: 'a crashed',
                stack: expect.stringMatching(/^Error: a crashed\n/) as unknown,
              },
            },
            { id: 'm', kind: 'worker', state: 'running', restarts: 1 },
          ],
        },
      ],
    });
  });

  it('shows the root’s children in start order: jobs, breakers, pools, then the user’s trees, before and after start', async () => {
    const { warden } = testWarden();
    await warden.supervise(controlled('early').spec);

    expect(warden.tree()).toEqual({
      id: rootId,
      kind: 'supervisor',
      state: 'idle',
      restarts: 0,
      strategy: 'one-for-one',
      children: [
        { id: jobsNodeId, kind: 'worker', state: 'idle', restarts: 0 },
        emptySupervisor(breakersNodeId),
        emptySupervisor(poolsNodeId),
        { id: 'early', kind: 'worker', state: 'idle', restarts: 0 },
      ],
    });

    await warden.start();
    await warden.supervise(controlled('late').spec);

    expect(warden.tree().children?.map((child) => `${child.id} ${child.state}`)).toEqual([
      ...systemChildren(),
      'early running',
      'late running',
    ]);
  });

  it('shows a child waiting out its backoff as restarting', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a', { backoff: { type: 'fixed', delayMs: 1000 } });
    await warden.start();
    await warden.supervise(a.spec);

    a.current.crash();
    await clock.advance(999);
    expect(nodeOf(warden.tree(), 'a')).toMatchObject({ state: 'restarting', restarts: 1 });
    await clock.advance(1);
    expect(nodeOf(warden.tree(), 'a')).toMatchObject({ state: 'running', restarts: 1 });
  });

  it('shows every node stopped after warden.stop()', async () => {
    const { warden } = testWarden();
    await warden.start();
    await warden.supervise(supervisor({ id: 'sup', children: [controlled('a').spec] }));

    await warden.stop();

    expect(JSON.stringify(warden.tree())).toBe(
      JSON.stringify({
        id: 'root',
        kind: 'supervisor',
        state: 'stopped',
        restarts: 0,
        strategy: 'one-for-one',
        children: [
          { id: 'jobs', kind: 'worker', state: 'exited', restarts: 0 },
          { ...emptySupervisor('breakers'), state: 'stopped' },
          { ...emptySupervisor('pools'), state: 'stopped' },
          {
            id: 'sup',
            kind: 'supervisor',
            state: 'stopped',
            restarts: 0,
            strategy: 'one-for-one',
            children: [{ id: 'a', kind: 'worker', state: 'exited', restarts: 0 }],
          },
        ],
      }),
    );
  });
});

describe('supervise()', () => {
  it('rejects an id already in the tree with DuplicateActorError', async () => {
    const { warden } = testWarden();
    await warden.start();
    await warden.supervise(supervisor({ id: 'sup', children: [controlled('a').spec] }));

    await expect(warden.supervise(controlled('a').spec)).rejects.toThrow(DuplicateActorError);
    await expect(warden.supervise(controlled('sup').spec)).rejects.toThrow(DuplicateActorError);
    await expect(
      warden.supervise(supervisor({ id: 'other', children: [controlled('a').spec] })),
    ).rejects.toThrow('a supervised actor with id `a` already exists');
    expect(warden.tree().children?.map((child) => child.id)).toEqual([...systemIds, 'sup']);
  });

  it('rejects the reserved ids root, jobs, breakers and pools with DuplicateActorError, at any depth', async () => {
    const { warden } = testWarden();
    await warden.start();

    for (const id of [rootId, jobsNodeId, breakersNodeId, poolsNodeId]) {
      await expect(warden.supervise(controlled(id).spec)).rejects.toThrow(DuplicateActorError);
      await expect(
        warden.supervise(supervisor({ id: `holder-${id}`, children: [controlled(id).spec] })),
      ).rejects.toThrow(DuplicateActorError);
    }
    expect(warden.tree().children?.map((child) => child.id)).toEqual(systemIds);
  });

  it('rejects two children with the same id in one spec', async () => {
    const { warden } = testWarden();
    await warden.start();

    await expect(
      warden.supervise(
        supervisor({ id: 'sup', children: [controlled('a').spec, controlled('a').spec] }),
      ),
    ).rejects.toThrow(/`a`/);
    expect(warden.tree().children?.map((child) => child.id)).toEqual(systemIds);
  });

  it('accepts an id again once the actor that held it has left the tree', async () => {
    const { warden, clock } = testWarden();
    const once = controlled('once', { restart: 'temporary' });
    await warden.start();
    await warden.supervise(once.spec);
    once.current.finish();
    await clock.settle();

    await warden.supervise(controlled('once').spec);

    expect(warden.tree().children?.map((child) => `${child.id} ${child.state}`)).toEqual([
      ...systemChildren(),
      'once running',
    ]);
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'a worker with neither start nor logic',
      { id: 'w' },
      /^Expected `spec` to be a spec with exactly one of `start` or `logic`, got `\{"id":"w"\}` \(object\)$/,
    ],
    [
      'a worker with both start and logic',
      { id: 'w', start: () => undefined, logic: idle },
      /^Expected `spec` to be a spec with exactly one of `start` or `logic`, got /,
    ],
    [
      'an unknown strategy',
      { id: 's', strategy: 'one-for-many', children: [] },
      /^Expected `spec.strategy` to be one of 'one-for-one', 'one-for-all', 'rest-for-one', got `one-for-many`$/,
    ],
    [
      'a negative shutdownMs',
      { id: 'w', start: () => undefined, shutdownMs: -1 },
      /^Expected `spec.shutdownMs` to be a whole number from 0 to \d+, got `-1` \(number\)$/,
    ],
    [
      'a fractional startTimeoutMs',
      { id: 'w', start: () => undefined, startTimeoutMs: 1.5 },
      /^Expected `spec.startTimeoutMs` to be a whole number from 1 to \d+, got `1.5` \(number\)$/,
    ],
    [
      'an unknown restart type',
      { id: 'w', start: () => undefined, restart: 'sometimes' },
      /got `sometimes`$/,
    ],
    [
      'an unknown onExhausted',
      { id: 'w', start: () => undefined, onExhausted: 'ignore' },
      /got `ignore`$/,
    ],
    [
      'logic that is not an XState actor logic',
      { id: 'w', logic: { states: {} } },
      /^Expected `spec.logic` to be an XState actor logic, got /,
    ],
    [
      'a bad child deep in a supervisor',
      {
        id: 's',
        children: [
          { id: 'ok', start: () => undefined },
          { id: 'w', shutdownMs: -5, start: () => undefined },
        ],
      },
      /^Expected `spec.children\[1\].shutdownMs` to be a whole number from 0 to \d+, got `-5` \(number\)$/,
    ],
  ];

  for (const [what, spec, message] of bad) {
    it(`rejects ${what} with InvalidOptionError quoting the value`, async () => {
      const { warden } = testWarden();
      await warden.start();

      const rejection = warden.supervise(spec as ChildSpec);

      await expect(rejection).rejects.toThrow(InvalidOptionError);
      await expect(rejection).rejects.toThrow(message);
      expect(warden.tree().children?.map((child) => child.id)).toEqual(systemIds);
    });
  }
});

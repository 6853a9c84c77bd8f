import { describe, expect, it } from 'vitest';
import { supervisor, type Strategy } from '../../src/index.js';
import { testWarden } from '../helpers.js';
import {
  controlled,
  deadApp,
  nodeOf,
  t0,
  take,
  traceActors,
  treeStates,
  type Controlled,
} from './fixtures.js';

/** A running Warden supervising `tenants` (with `strategy`) over controlled workers `ids`. */
async function tenants(ids: readonly string[], strategy: Strategy = 'one-for-one') {
  const { warden, clock } = testWarden();
  const workers = new Map(ids.map((id) => [id, controlled(id)]));
  await warden.start();
  const handle = await warden.supervise(
    supervisor({ id: 'tenants', strategy, children: [...workers.values()].map((w) => w.spec) }),
  );
  const trace = traceActors(warden, { timed: true });
  const get = (id: string): Controlled => workers.get(id)!;
  return { warden, clock, handle, trace, get };
}

describe('stopActor(id)', () => {
  it('stops a whole tree in reverse start order, keeps it stopped, and records actor.stopped', async () => {
    const { warden, clock, trace, get } = await tenants(['a', 'b']);
    const stopped: unknown[] = [];
    warden.on('actor.stopped', (event) => stopped.push(event));

    await warden.stopActor('tenants');
    await clock.advance(60_000);

    expect(trace).toEqual([
      '+0ms actor.exited b shutdown',
      '+0ms actor.exited a shutdown',
      '+0ms actor.exited tenants shutdown',
      '+0ms actor.stopped tenants',
    ]);
    expect(stopped).toEqual([
      { type: 'actor.stopped', actorId: 'tenants', supervisorId: 'root', at: t0, restarts: 0 },
    ]);
    expect(get('a').current.signal.aborted).toBe(true);
    expect(get('a').runs).toHaveLength(1);
    expect(treeStates(nodeOf(warden.tree(), 'root')).slice(3)).toEqual([
      'tenants stopped (by hand)',
      'a exited',
      'b exited',
    ]);
    expect((await warden.getActorHistory('tenants')).map((entry) => entry.kind)).toEqual([
      'started',
      'exited',
      'stopped',
    ]);
    // Stopped by hand is not a failure.
    expect(warden.health().checks.supervision).toMatchObject({
      status: 'healthy',
      escalations: 0,
      deadActors: [],
    });
  });

  it('stops a nested child, which its supervisor then never restarts', async () => {
    const { warden, clock, trace, get } = await tenants(['a', 'b']);

    await warden.stopActor('a');
    await clock.advance(60_000);

    expect(trace).toEqual(['+0ms actor.exited a shutdown', '+0ms actor.stopped a']);
    expect(get('a').runs).toHaveLength(1);
    expect(treeStates(nodeOf(warden.tree(), 'tenants'))).toEqual([
      'a exited (by hand)',
      'b running',
    ]);
  });

  // `b` is stopped by hand; `crashed` then crashes and its strategy restarts the others, not `b`.
  const strategies: [Strategy, string, string][] = [
    ['one-for-all', 'c', 'a'],
    ['rest-for-one', 'a', 'c'],
  ];
  for (const [strategy, crashed, sibling] of strategies) {
    it(`leaves a stopped child stopped when ${crashed}’s crash restarts ${sibling} under ${strategy}`, async () => {
      const { warden, clock, trace, get } = await tenants(['a', 'b', 'c'], strategy);
      await warden.stopActor('b');
      take(trace);

      get(crashed).current.crash();
      await clock.advance(100);

      expect(trace).toEqual([
        `+0ms actor.exited ${crashed} abnormal`,
        `+0ms actor.exited ${sibling} shutdown`,
        '+0ms actor.restarting a in 100ms',
        '+0ms actor.restarting c in 100ms',
        '+100ms actor.started a',
        '+100ms actor.started c',
      ]);
      expect(get('b').runs).toHaveLength(1);
      expect(treeStates(nodeOf(warden.tree(), 'tenants'))).toEqual([
        'a running',
        'b exited (by hand)',
        'c running',
      ]);
    });
  }

  it('leaves a stopped child stopped when its supervisor is restarted', async () => {
    const { warden, clock } = testWarden();
    const x = controlled('x');
    const y = controlled('y');
    await warden.start();
    await warden.supervise(
      supervisor({
        id: 'outer',
        children: [supervisor({ id: 'inner', maxRestarts: 0, children: [x.spec, y.spec] })],
      }),
    );
    await warden.stopActor('y');
    const trace = traceActors(warden);

    x.current.crash();
    await clock.advance(100);

    expect(trace).toEqual([
      'actor.exited x abnormal',
      'supervisor.escalated inner',
      'actor.exited inner abnormal',
      'actor.restarting inner in 100ms',
      'actor.started inner',
      'actor.started x',
    ]);
    expect(y.runs).toHaveLength(1);
    expect(treeStates(nodeOf(warden.tree(), 'inner'))).toEqual(['x running', 'y exited (by hand)']);
  });

  it('cancels the restart of a child waiting out its backoff', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a', { backoff: { type: 'fixed', delayMs: 1000 } });
    await warden.start();
    await warden.supervise(supervisor({ id: 'sup', children: [a.spec] }));
    const trace = traceActors(warden, { timed: true });
    a.current.crash();
    await clock.advance(10);

    await warden.stopActor('a');
    await clock.advance(10_000);

    expect(trace).toEqual([
      '+0ms actor.exited a abnormal',
      '+0ms actor.restarting a in 1000ms',
      '+10ms actor.stopped a',
    ]);
    expect(a.runs).toHaveLength(1);
    expect(treeStates(nodeOf(warden.tree(), 'sup'))).toEqual(['a exited (by hand)']);
  });

  it('lets supervise() resolve when a child is stopped before it is ready, and starts the next one', async () => {
    const { warden, clock } = testWarden();
    const slow = controlled('slow', { startTimeoutMs: 60_000 });
    const next = controlled('next');
    await warden.start();
    const trace = traceActors(warden);
    let supervised = false;
    void warden.supervise(supervisor({ id: 'sup', children: [slow.spec, next.spec] })).then(() => {
      supervised = true;
    });
    await clock.settle();
    expect(supervised).toBe(false);

    await warden.stopActor('slow');
    await clock.settle();

    expect(supervised).toBe(true);
    expect(trace).toEqual([
      'actor.started sup',
      'actor.started slow',
      'actor.exited slow shutdown',
      'actor.stopped slow',
      'actor.started next',
    ]);
  });
});

describe('restartActor(id) of an actor stopped by hand', () => {
  it('starts a stopped tree again, its children in start order: actor.resumed, then actor.started', async () => {
    const { warden, trace, get } = await tenants(['a', 'b']);
    await warden.stopActor('tenants');
    take(trace);

    await warden.restartActor('tenants');

    expect(trace).toEqual([
      '+0ms actor.resumed tenants',
      '+0ms actor.started tenants',
      '+0ms actor.started a',
      '+0ms actor.started b',
    ]);
    expect(get('a').runs).toHaveLength(2);
    expect(get('a').current.restarts).toBe(0);
    expect(treeStates(nodeOf(warden.tree(), 'root')).slice(3)).toEqual([
      'tenants running',
      'a running',
      'b running',
    ]);
    expect((await warden.getActorHistory('tenants')).map((entry) => entry.kind)).toEqual([
      'started',
      'exited',
      'stopped',
      'resumed',
      'started',
    ]);
  });

  it('starts a stopped nested child again under its running supervisor, which supervises it as before', async () => {
    const { warden, clock, trace, get } = await tenants(['a', 'b']);
    await warden.stopActor('a');
    take(trace);

    await warden.restartActor('a');
    get('a').current.crash();
    await clock.advance(100);

    expect(trace).toEqual([
      '+0ms actor.resumed a',
      '+0ms actor.started a',
      '+0ms actor.exited a abnormal',
      '+0ms actor.restarting a in 100ms',
      '+100ms actor.started a',
    ]);
    expect(treeStates(nodeOf(warden.tree(), 'tenants'))).toEqual(['a running', 'b running']);
  });
});

describe('removeActor(id)', () => {
  it('takes a stopped tree out of the tree: actor.removed, and its id is free again', async () => {
    const { warden, trace } = await tenants(['a', 'b']);
    const removed: unknown[] = [];
    warden.on('actor.removed', (event) => removed.push(event));
    await warden.stopActor('tenants');
    take(trace);

    await warden.removeActor('tenants');

    expect(trace).toEqual(['+0ms actor.removed tenants']);
    expect(removed).toEqual([
      { type: 'actor.removed', actorId: 'tenants', supervisorId: 'root', at: t0, restarts: 0 },
    ]);
    expect(nodeOf(warden.tree(), 'tenants')).toBeUndefined();
    expect(nodeOf(warden.tree(), 'a')).toBeUndefined();
    expect((await warden.getActorHistory('tenants')).at(-1)?.kind).toBe('removed');

    await warden.supervise(controlled('a').spec);
    expect(nodeOf(warden.tree(), 'a')?.state).toBe('running');
  });

  it('takes a stopped nested child out of its supervisor, which keeps its other children', async () => {
    const { warden, clock, trace, get } = await tenants(['a', 'b']);
    await warden.stopActor('a');
    await warden.removeActor('a');
    take(trace);

    get('b').current.crash();
    await clock.advance(100);

    expect(treeStates(nodeOf(warden.tree(), 'tenants'))).toEqual(['b running']);
    expect(trace).toEqual([
      '+0ms actor.exited b abnormal',
      '+0ms actor.restarting b in 100ms',
      '+100ms actor.started b',
    ]);
  });

  it('takes a dead-lettered actor out, closing its dead letter first so deadActors() forgets it', async () => {
    const { warden } = await deadApp();
    expect((await warden.deadActors()).map((dead) => dead.actorId)).toEqual(['app']);
    const trace = traceActors(warden);

    await warden.removeActor('app');

    expect(trace).toEqual(['actor.revived app', 'actor.removed app']);
    expect(await warden.deadActors()).toEqual([]);
    expect(nodeOf(warden.tree(), 'app')).toBeUndefined();
  });

  it('takes out a child that is down with its stopped supervisor, and a dead one inside a stopped tree', async () => {
    const { warden, clock } = testWarden();
    const fragile = controlled('fragile', { onExhausted: 'dead-letter' });
    await warden.start();
    await warden.supervise(
      supervisor({
        id: 'top',
        children: [
          controlled('a').spec,
          supervisor({ id: 'group', maxRestarts: 0, children: [fragile.spec] }),
        ],
      }),
    );
    fragile.current.crash();
    await clock.settle();
    expect((await warden.deadActors()).map((dead) => dead.actorId)).toEqual(['fragile']);
    await warden.stopActor('top');
    const trace = traceActors(warden);

    await warden.removeActor('a');
    await warden.removeActor('top');

    expect(trace).toEqual(['actor.removed a', 'actor.revived fragile', 'actor.removed top']);
    expect(await warden.deadActors()).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  ActorNotFoundError,
  createManualClock,
  InvalidTransitionError,
  supervisor,
  type ManualClock,
} from '../../src/index.js';
import { tempDatabase, testWarden } from '../helpers.js';
import {
  controlled,
  nodeOf,
  systemChildren,
  t0,
  take,
  traceActors,
  treeStates,
} from './fixtures.js';

const crashError = (message: string) => ({
  name: 'Error',
  message,
  stack: expect.stringMatching(new RegExp(`^Error: ${message}\\n`)) as unknown,
});

/** `sup` (1 restart within 5 s) over `a`, `fragile` (dead-lettered when exhausted) and `b`. */
async function fragileFamily(options: { database?: string; clock?: ManualClock } = {}) {
  const { warden, clock } = testWarden(options);
  const a = controlled('a');
  const fragile = controlled('fragile', {
    onExhausted: 'dead-letter',
    backoff: { type: 'fixed', delayMs: 10 },
  });
  const b = controlled('b');
  await warden.supervise(
    supervisor({
      id: 'sup',
      strategy: 'one-for-all',
      maxRestarts: 1,
      withinMs: 5000,
      children: [a.spec, fragile.spec, b.spec],
    }),
  );
  const trace = traceActors(warden, { timed: true });
  await warden.start();
  const startup = take(trace);
  return { warden, clock, trace, startup, a, fragile, b };
}

/** Crashes `fragile` twice, 10 ms apart: the second crash spends the budget. */
async function exhaust(fragile: ReturnType<typeof controlled>, clock: ManualClock) {
  fragile.current.crash('first failure');
  await clock.advance(10);
  fragile.current.crash('second failure');
  await clock.settle();
}

describe('a child dead-lettered when its restart budget is spent', () => {
  it('is stopped and recorded while its siblings keep running', async () => {
    const { warden, clock, trace, a, fragile, b } = await fragileFamily();

    await exhaust(fragile, clock);

    expect(trace).toEqual([
      '+0ms actor.exited fragile abnormal',
      '+0ms actor.exited b shutdown',
      '+0ms actor.exited a shutdown',
      '+0ms actor.restarting a in 10ms',
      '+0ms actor.restarting fragile in 10ms',
      '+0ms actor.restarting b in 10ms',
      '+10ms actor.started a',
      '+10ms actor.started fragile',
      '+10ms actor.started b',
      '+10ms actor.exited fragile abnormal',
      '+10ms actor.dead fragile',
    ]);
    expect(a.runs).toHaveLength(2);
    expect(b.runs).toHaveLength(2);
    expect(a.current.signal.aborted).toBe(false);
    expect(b.current.signal.aborted).toBe(false);
    expect(treeStates(warden.tree())).toEqual([
      ...systemChildren(),
      'sup running',
      'a running',
      'fragile dead',
      'b running',
    ]);
    expect(warden.health().checks.supervision).toMatchObject({
      status: 'degraded',
      root: 'running',
      deadActors: ['fragile'],
    });
  });

  it('is listed by deadActors() with its last errors, oldest first', async () => {
    const { warden, clock, fragile } = await fragileFamily();
    const dead: unknown[] = [];
    warden.on('actor.dead', (event) => dead.push(event));

    await exhaust(fragile, clock);

    const errors = [crashError('first failure'), crashError('second failure')];
    expect(await warden.deadActors()).toEqual([
      { actorId: 'fragile', supervisorId: 'sup', kind: 'worker', at: t0 + 10, restarts: 1, errors },
    ]);
    expect(dead).toEqual([
      {
        type: 'actor.dead',
        actorId: 'fragile',
        supervisorId: 'sup',
        at: t0 + 10,
        restarts: 1,
        errors,
      },
    ]);
    expect(nodeOf(warden.tree(), 'fragile')).toEqual({
      id: 'fragile',
      kind: 'worker',
      state: 'dead',
      restarts: 1,
      lastError: crashError('second failure'),
    });
  });

  it('is not restarted when a sibling’s crash restarts the others under one-for-all', async () => {
    const { clock, trace, a, fragile } = await fragileFamily();
    await exhaust(fragile, clock);
    await clock.advance(5000);
    take(trace);

    a.current.crash();
    await clock.advance(10);

    expect(trace).toEqual([
      '+5010ms actor.exited a abnormal',
      '+5010ms actor.exited b shutdown',
      '+5010ms actor.restarting a in 100ms',
      '+5010ms actor.restarting b in 100ms',
    ]);
    expect(fragile.runs).toHaveLength(2);
  });

  it('restarts by hand with restartActor(id): actor.revived, then actor.started, and leaves deadActors()', async () => {
    const { warden, clock, trace, fragile } = await fragileFamily();
    await exhaust(fragile, clock);
    take(trace);

    await warden.restartActor('fragile');

    expect(trace).toEqual(['+10ms actor.revived fragile', '+10ms actor.started fragile']);
    expect(fragile.runs).toHaveLength(3);
    expect(fragile.current.signal.aborted).toBe(false);
    expect(await warden.deadActors()).toEqual([]);
    expect(treeStates(warden.tree())).toContain('fragile running');
  });

  it('refuses restartActor on a live actor with InvalidTransitionError', async () => {
    const { warden } = await fragileFamily();

    await expect(warden.restartActor('a')).rejects.toBeInstanceOf(InvalidTransitionError);
    await expect(warden.restartActor('sup')).rejects.toBeInstanceOf(InvalidTransitionError);
  });

  it('refuses restartActor on an unknown id with ActorNotFoundError', async () => {
    const { warden } = await fragileFamily();

    await expect(warden.restartActor('nobody')).rejects.toBeInstanceOf(ActorNotFoundError);
    await expect(warden.restartActor('nobody')).rejects.toThrow(
      'no supervised actor has id `nobody`',
    );
  });

  it('stays dead after the database is closed and reopened, until restarted by hand', async () => {
    const database = tempDatabase();
    const clock = createManualClock(t0);
    const first = await fragileFamily({ database, clock });
    await exhaust(first.fragile, clock);
    await first.warden.stop();
    await clock.advance(60_000);

    const second = await fragileFamily({ database, clock });
    await clock.advance(60_000);

    expect(second.startup).toEqual([
      '+60010ms actor.started root',
      '+60010ms actor.started jobs',
      '+60010ms actor.started breakers',
      '+60010ms actor.started pools',
      '+60010ms actor.started sup',
      '+60010ms actor.started a',
      '+60010ms actor.started b',
    ]);
    expect(second.fragile.runs).toHaveLength(0);
    expect(treeStates(second.warden.tree())).toEqual([
      ...systemChildren(),
      'sup running',
      'a running',
      'fragile dead',
      'b running',
    ]);
    expect(await second.warden.deadActors()).toEqual([
      {
        actorId: 'fragile',
        supervisorId: 'sup',
        kind: 'worker',
        at: t0 + 10,
        restarts: 1,
        errors: [crashError('first failure'), crashError('second failure')],
      },
    ]);
    expect(second.trace).toEqual([]);

    await second.warden.restartActor('fragile');

    expect(second.trace).toEqual([
      '+120010ms actor.revived fragile',
      '+120010ms actor.started fragile',
    ]);
    expect(second.fragile.runs).toHaveLength(1);
    expect(await second.warden.deadActors()).toEqual([]);
  });
});

describe('a supervisor dead-lettered when its restart budget is spent', () => {
  it('stops its children in reverse order, is recorded with its errors, and leaves its siblings running', async () => {
    const { warden, clock } = testWarden();
    const before = controlled('before');
    const x = controlled('x');
    const y = controlled('y');
    const after = controlled('after');
    await warden.start();
    await warden.supervise(
      supervisor({
        id: 'top',
        children: [
          before.spec,
          supervisor({
            id: 'group',
            maxRestarts: 0,
            onExhausted: 'dead-letter',
            children: [x.spec, y.spec],
          }),
          after.spec,
        ],
      }),
    );
    const trace = traceActors(warden);

    x.current.crash('x failed');
    await clock.advance(10_000);

    expect(trace).toEqual([
      'actor.exited x abnormal',
      'supervisor.escalated group',
      'actor.exited y shutdown',
      'actor.exited group abnormal',
      'actor.dead group',
    ]);
    expect(treeStates(warden.tree())).toEqual([
      ...systemChildren(),
      'top running',
      'before running',
      'group dead',
      'x exited',
      'y exited',
      'after running',
    ]);
    const [record] = await warden.deadActors();
    expect(record).toMatchObject({ actorId: 'group', supervisorId: 'top', kind: 'supervisor' });
    expect(record?.errors.map((error) => error.message)).toEqual([
      'x failed',
      'supervisor `group` exceeded 0 restarts within 5000 ms and stopped its children',
    ]);
    expect(before.current.signal.aborted).toBe(false);
    expect(after.current.signal.aborted).toBe(false);
    expect(warden.health().checks.supervision).toMatchObject({
      status: 'degraded',
      root: 'running',
      deadActors: ['group'],
    });
    take(trace);

    await warden.restartActor('group');

    expect(trace).toEqual([
      'actor.revived group',
      'actor.started group',
      'actor.started x',
      'actor.started y',
    ]);
    expect(treeStates(warden.tree())).toContain('group running');
    expect(x.runs).toHaveLength(2);
    expect(y.runs).toHaveLength(2);
  });

  it('stays dead, its children unstarted, after the database is closed and reopened', async () => {
    const database = tempDatabase();
    const clock = createManualClock(t0);
    const open = async () => {
      const { warden } = testWarden({ database, clock });
      const x = controlled('x');
      await warden.supervise(
        supervisor({ id: 'group', maxRestarts: 0, onExhausted: 'dead-letter', children: [x.spec] }),
      );
      const trace = traceActors(warden);
      await warden.start();
      return { warden, x, trace };
    };
    const first = await open();
    first.x.current.crash('x failed');
    await clock.settle();
    expect(treeStates(first.warden.tree())).toEqual([
      ...systemChildren(),
      'group dead',
      'x exited',
    ]);
    await first.warden.stop();

    const second = await open();
    await clock.advance(10_000);

    expect(second.trace).toEqual([
      'actor.started root',
      'actor.started jobs',
      'actor.started breakers',
      'actor.started pools',
    ]);
    expect(second.x.runs).toHaveLength(0);
    expect(treeStates(second.warden.tree())).toEqual([...systemChildren(), 'group dead', 'x idle']);
    expect((await second.warden.deadActors()).map((dead) => dead.actorId)).toEqual(['group']);

    await second.warden.restartActor('group');
    expect(second.x.runs).toHaveLength(1);
    expect(treeStates(second.warden.tree())).toEqual([
      ...systemChildren(),
      'group running',
      'x running',
    ]);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMachine, fromPromise, setup } from 'xstate';
import { ActorNotFoundError, InvalidOptionError, supervisor, worker } from '../../src/index.js';
import { deferred, testWarden } from '../helpers.js';
import { controlled, nodeOf, take, traceActors, traceExits } from './fixtures.js';

/** Errors that reached the process instead of a supervisor. */
let unhandled: unknown[] = [];
const onUnhandled = (error: unknown): void => {
  unhandled.push(error);
};

beforeEach(() => {
  unhandled = [];
  process.on('uncaughtException', onUnhandled);
  process.on('unhandledRejection', onUnhandled);
});

afterEach(() => {
  process.off('uncaughtException', onUnhandled);
  process.off('unhandledRejection', onUnhandled);
});

/** Waits for `FINISH`, then reaches its final state. */
const finisher = createMachine({
  id: 'finisher',
  initial: 'waiting',
  states: { waiting: { on: { FINISH: 'done' } }, done: { type: 'final' } },
});

/** Throws from an action whenever it receives `KICK`. */
const kickable = setup({
  actions: {
    boom: () => {
      throw new Error('action blew up');
    },
  },
}).createMachine({
  id: 'kickable',
  initial: 'idle',
  states: { idle: { on: { KICK: { actions: 'boom' } } } },
});

/** Finishes after `A` then `B`, in that order; anything else is ignored. */
const sequence = createMachine({
  id: 'sequence',
  initial: 'first',
  states: {
    first: { on: { A: 'second' } },
    second: { on: { B: 'done' } },
    done: { type: 'final' },
  },
});

describe('a child given as XState logic', () => {
  it('exits normally when it reaches a final state: a transient one is not restarted', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    await warden.supervise(
      supervisor({
        id: 'sup',
        children: [worker({ id: 'f', logic: finisher, restart: 'transient' })],
      }),
    );
    const trace = traceActors(warden);

    expect(warden.send('f', { type: 'FINISH' })).toBe(true);
    await clock.advance(10_000);

    expect(trace).toEqual(['actor.exited f normal']);
    expect(nodeOf(warden.tree(), 'sup')?.children).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('exits normally when it reaches a final state: a permanent one is restarted from its initial state', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    await warden.supervise(
      supervisor({ id: 'sup', children: [worker({ id: 'f', logic: finisher })] }),
    );
    const trace = traceActors(warden);

    warden.send('f', { type: 'FINISH' });
    await clock.advance(100);
    warden.send('f', { type: 'FINISH' });
    await clock.settle();

    expect(trace).toEqual([
      'actor.exited f normal',
      'actor.restarting f in 100ms',
      'actor.started f',
      'actor.exited f normal',
      'actor.restarting f in 200ms',
    ]);
  });

  it('runs its delayed transitions on Warden’s clock', async () => {
    const { warden, clock } = testWarden();
    const timer = createMachine({
      initial: 'waiting',
      states: { waiting: { after: { 1500: 'done' } }, done: { type: 'final' } },
    });
    await warden.start();
    await warden.supervise(
      supervisor({
        id: 'sup',
        children: [worker({ id: 'timer', logic: timer, restart: 'transient' })],
      }),
    );
    const trace = traceActors(warden, { timed: true });

    await clock.advance(1499);
    expect(trace).toEqual([]);
    await clock.advance(1);

    expect(trace).toEqual(['+1500ms actor.exited timer normal']);
  });

  it('handles an action that throws as an abnormal exit and restarts the child, without an unhandled error', async () => {
    const { warden, clock } = testWarden();
    const errors = traceExits(warden, (event) => event.error?.message);
    await warden.start();
    await warden.supervise(
      supervisor({ id: 'sup', children: [worker({ id: 'k', logic: kickable })] }),
    );
    const trace = traceActors(warden);

    expect(warden.send('k', { type: 'KICK' })).toBe(true);
    await clock.advance(100);
    await clock.settle();

    expect(trace).toEqual([
      'actor.exited k abnormal',
      'actor.restarting k in 100ms',
      'actor.started k',
    ]);
    expect(errors).toEqual(['action blew up']);
    expect(nodeOf(warden.tree(), 'k')).toMatchObject({
      state: 'running',
      restarts: 1,
    });
    expect(unhandled).toEqual([]);
  });

  it('handles an entry action that throws on start as an abnormal exit, without an unhandled error', async () => {
    const { warden, clock } = testWarden({ onFatal: () => undefined });
    const broken = setup({
      actions: {
        boom: () => {
          throw new Error('entry blew up');
        },
      },
    }).createMachine({ initial: 'a', states: { a: { entry: 'boom' } } });
    await warden.start();
    const trace = traceActors(warden, { timed: true });

    await warden.supervise(
      supervisor({
        id: 'sup',
        maxRestarts: 1,
        onExhausted: 'dead-letter',
        children: [worker({ id: 'broken', logic: broken })],
      }),
    );
    await clock.advance(100);
    await clock.settle();

    expect(trace).toEqual([
      '+0ms actor.started sup',
      '+0ms actor.started broken',
      '+0ms actor.exited broken abnormal',
      '+0ms actor.restarting broken in 100ms',
      '+100ms actor.started broken',
      '+100ms actor.exited broken abnormal',
      '+100ms supervisor.escalated sup',
      '+100ms actor.exited sup abnormal',
      '+100ms actor.dead sup',
    ]);
    expect(unhandled).toEqual([]);
  });

  it('handles an invoked promise that rejects with no onError as an abnormal exit and restarts the child, without an unhandled error', async () => {
    const { warden, clock } = testWarden();
    const loads: ReturnType<typeof deferred<string>>[] = [];
    const loader = setup({
      actors: {
        load: fromPromise(() => {
          const load = deferred<string>();
          loads.push(load);
          return load.promise;
        }),
      },
    }).createMachine({
      initial: 'loading',
      states: { loading: { invoke: { src: 'load', onDone: 'loaded' } }, loaded: {} },
    });
    const errors = traceExits(warden, (event) => event.error?.message);
    await warden.start();
    await warden.supervise(
      supervisor({ id: 'sup', children: [worker({ id: 'loader', logic: loader })] }),
    );
    const trace = traceActors(warden);

    loads[0]!.reject(new Error('load failed'));
    await clock.advance(100);
    await clock.settle();

    expect(trace).toEqual([
      'actor.exited loader abnormal',
      'actor.restarting loader in 100ms',
      'actor.started loader',
    ]);
    expect(errors).toEqual(['load failed']);
    expect(loads).toHaveLength(2);
    expect(unhandled).toEqual([]);
  });

  it('stops at once when Warden stops, aborting its invoked promise’s signal', async () => {
    const { warden, clock } = testWarden();
    const signals: AbortSignal[] = [];
    const hanging = setup({
      actors: {
        hang: fromPromise(({ signal }) => {
          signals.push(signal);
          return new Promise<void>(() => undefined);
        }),
      },
    }).createMachine({ initial: 'busy', states: { busy: { invoke: { src: 'hang' } } } });
    await warden.start();
    await warden.supervise(
      supervisor({
        id: 'sup',
        children: [worker({ id: 'h', logic: hanging, shutdownMs: 60_000 })],
      }),
    );
    const trace = traceActors(warden, { timed: true });

    await warden.stop();
    await clock.settle();

    expect(trace).toEqual([
      '+0ms actor.exited h shutdown',
      '+0ms actor.exited sup shutdown',
      '+0ms actor.exited jobs shutdown',
      '+0ms actor.exited pools shutdown',
      '+0ms actor.exited breakers shutdown',
      '+0ms actor.exited root shutdown',
    ]);
    expect(signals.map((signal) => signal.aborted)).toEqual([true]);
    expect(unhandled).toEqual([]);
  });

  it('is stopped at once past its maxRunMs, as one abnormal exit', async () => {
    const { warden, clock } = testWarden();
    const idle = createMachine({ initial: 'idle', states: { idle: {} } });
    await warden.start();
    await warden.supervise(
      supervisor({ id: 'sup', children: [worker({ id: 'm', logic: idle, maxRunMs: 1000 })] }),
    );
    const trace = traceActors(warden, { timed: true });
    const errors = traceExits(warden, (event) => event.error?.code);

    await clock.advance(1100);

    expect(trace).toEqual([
      '+1000ms actor.exited m abnormal',
      '+1000ms actor.restarting m in 100ms',
      '+1100ms actor.started m',
    ]);
    expect(errors).toEqual(['MAX_RUN_EXCEEDED']);
    expect(unhandled).toEqual([]);
  });
});

describe('warden.send(id, event)', () => {
  it('delivers events to a running actor, in order', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    await warden.supervise(
      supervisor({
        id: 'sup',
        children: [worker({ id: 's', logic: sequence, restart: 'transient' })],
      }),
    );
    const trace = traceActors(warden);

    expect(warden.send('s', { type: 'B' })).toBe(true);
    expect(warden.send('s', { type: 'A' })).toBe(true);
    await clock.settle();
    expect(trace).toEqual([]);
    expect(warden.send('s', { type: 'B' })).toBe(true);
    await clock.settle();

    expect(trace).toEqual(['actor.exited s normal']);
  });

  it('records events for a dead-lettered actor as undeliverable, with a running count', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    await warden.supervise(
      supervisor({
        id: 'sup',
        maxRestarts: 0,
        children: [worker({ id: 'k', logic: kickable, onExhausted: 'dead-letter' })],
      }),
    );
    const trace = traceActors(warden, { timed: true });
    warden.send('k', { type: 'KICK' });
    await clock.advance(250);
    expect(take(trace)).toEqual(['+0ms actor.exited k abnormal', '+0ms actor.dead k']);

    expect(warden.send('k', { type: 'PING' })).toBe(false);
    await clock.advance(50);
    expect(warden.send('k', { type: 'KICK' })).toBe(false);

    expect(trace).toEqual([
      '+250ms actor.undeliverable k PING #1',
      '+300ms actor.undeliverable k KICK #2',
    ]);
    expect(await warden.undeliverable('k')).toEqual([
      {
        actorId: 'k',
        count: 2,
        last: [
          { at: expect.any(Number) as unknown, event: { type: 'PING' } },
          { at: expect.any(Number) as unknown, event: { type: 'KICK' } },
        ],
        updatedAt: expect.any(Number) as unknown,
      },
    ]);
  });

  it('records an event for an actor waiting out its restart backoff as undeliverable', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    await warden.supervise(
      supervisor({
        id: 'sup',
        children: [worker({ id: 'k', logic: kickable, backoff: { type: 'fixed', delayMs: 1000 } })],
      }),
    );
    warden.send('k', { type: 'KICK' });
    await clock.advance(10);
    const trace = traceActors(warden);

    expect(warden.send('k', { type: 'PING' })).toBe(false);
    await clock.advance(990);
    expect(warden.send('k', { type: 'PING' })).toBe(true);

    expect(trace).toEqual(['actor.undeliverable k PING #1', 'actor.started k']);
  });

  it('throws ActorNotFoundError for an unknown id and InvalidOptionError for an actor without XState logic', async () => {
    const { warden } = testWarden();
    await warden.start();
    await warden.supervise(controlled('plain').spec);

    expect(() => warden.send('nobody', { type: 'PING' })).toThrow(ActorNotFoundError);
    expect(() => warden.send('plain', { type: 'PING' })).toThrow(InvalidOptionError);
    expect(() => warden.send('jobs', { type: 'PING' })).toThrow(InvalidOptionError);
  });
});

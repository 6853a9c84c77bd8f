import { describe, expect, it } from 'vitest';
import {
  MaxRunExceededError,
  ShutdownError,
  StartTimeoutError,
  supervisor,
  type Warden,
} from '../../src/index.js';
import { testWarden } from '../helpers.js';
import { controlled, nodeOf, stopOnClock, take, traceActors, traceExits } from './fixtures.js';

/** The `actorId code` of each abnormal `actor.exited` event (undefined for a normal exit). */
const exitErrors = (warden: Warden): (string | undefined)[] =>
  traceExits(warden, (event) =>
    event.error === undefined
      ? undefined
      : `${event.actorId} ${event.error.code ?? event.error.name}`,
  );

describe('startTimeoutMs', () => {
  it('aborts a child that never calls ready() with StartTimeoutError, counts it as an abnormal exit and restarts it', async () => {
    const { warden, clock } = testWarden();
    const slow = controlled('slow', { startTimeoutMs: 1000 });
    await warden.start();
    const trace = traceActors(warden, { timed: true });
    const errors = exitErrors(warden);
    let supervised = false;
    void warden.supervise(supervisor({ id: 'sup', children: [slow.spec] })).then(() => {
      supervised = true;
    });

    await clock.advance(999);
    expect(slow.current.signal.aborted).toBe(false);
    expect(supervised).toBe(false);
    await clock.advance(1);

    const reason: unknown = slow.runs[0]!.signal.reason;
    expect(reason).toBeInstanceOf(StartTimeoutError);
    expect((reason as StartTimeoutError).message).toBe(
      'actor `slow` did not call ready() within 1000 ms',
    );
    expect(supervised).toBe(true);
    await clock.advance(100);
    expect(trace).toEqual([
      '+0ms actor.started sup',
      '+0ms actor.started slow',
      '+1000ms actor.exited slow abnormal',
      '+1000ms actor.restarting slow in 100ms',
      '+1100ms actor.started slow',
    ]);
    expect(errors).toEqual(['slow START_TIMEOUT']);
    expect(slow.runs).toHaveLength(2);

    // The restarted run gets its own start timeout.
    await clock.advance(999);
    expect(slow.current.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(slow.current.signal.reason).toBeInstanceOf(StartTimeoutError);
  });

  it('keeps a child that calls ready() in time, and lets supervise() resolve only then', async () => {
    const { warden, clock } = testWarden();
    const slow = controlled('slow', { startTimeoutMs: 1000 });
    const next = controlled('next');
    await warden.start();
    const trace = traceActors(warden, { timed: true });
    let supervised = false;
    void warden.supervise(supervisor({ id: 'sup', children: [slow.spec, next.spec] })).then(() => {
      supervised = true;
    });

    await clock.advance(999);
    expect(supervised).toBe(false);
    expect(next.runs).toHaveLength(0);
    slow.current.ready();
    await clock.settle();
    expect(supervised).toBe(true);
    await clock.advance(60_000);

    expect(trace).toEqual([
      '+0ms actor.started sup',
      '+0ms actor.started slow',
      '+999ms actor.started next',
    ]);
    expect(slow.current.signal.aborted).toBe(false);
    expect(nodeOf(warden.tree(), 'sup')?.children?.map((child) => child.state)).toEqual([
      'running',
      'running',
    ]);
  });

  it('force-stops a child that ignores its abort after a start timeout only after shutdownMs', async () => {
    const { warden, clock } = testWarden();
    const stuck = controlled('stuck', { startTimeoutMs: 1000, shutdownMs: 300, ignoreAbort: true });
    await warden.start();
    const trace = traceActors(warden, { timed: true });
    const errors = exitErrors(warden);
    void warden.supervise(supervisor({ id: 'sup', children: [stuck.spec] }));

    await clock.advance(1299);
    expect(stuck.current.signal.aborted).toBe(true);
    expect(trace).toEqual(['+0ms actor.started sup', '+0ms actor.started stuck']);
    await clock.advance(1);

    expect(take(trace)).toEqual([
      '+0ms actor.started sup',
      '+0ms actor.started stuck',
      '+1300ms actor.exited stuck abnormal',
      '+1300ms actor.restarting stuck in 100ms',
    ]);
    expect(errors).toEqual(['stuck START_TIMEOUT']);
    await stopOnClock(warden, clock);
  });
});

describe('maxRunMs', () => {
  it('stops a run that lasts too long as an abnormal exit with MaxRunExceededError and restarts it', async () => {
    const { warden, clock } = testWarden();
    const bounded = controlled('bounded', { maxRunMs: 5000 });
    await warden.start();
    await warden.supervise(supervisor({ id: 'sup', children: [bounded.spec] }));
    const trace = traceActors(warden, { timed: true });
    const errors = exitErrors(warden);

    await clock.advance(4999);
    expect(bounded.current.signal.aborted).toBe(false);
    await clock.advance(1);
    const reason: unknown = bounded.runs[0]!.signal.reason;
    expect(reason).toBeInstanceOf(MaxRunExceededError);
    expect((reason as MaxRunExceededError).message).toBe(
      'actor `bounded` ran longer than its maxRunMs of 5000 ms',
    );
    await clock.advance(5100);

    expect(trace).toEqual([
      '+5000ms actor.exited bounded abnormal',
      '+5000ms actor.restarting bounded in 100ms',
      '+5100ms actor.started bounded',
      '+10100ms actor.exited bounded abnormal',
      // The restart at +5000 ms has left the 5 s window: the backoff starts over.
      '+10100ms actor.restarting bounded in 100ms',
    ]);
    expect(errors).toEqual(['bounded MAX_RUN_EXCEEDED', 'bounded MAX_RUN_EXCEEDED']);
  });

  it('bounds each run from its own start: a run that ends in time leaves no timer behind', async () => {
    const { warden, clock } = testWarden();
    const bounded = controlled('bounded', { maxRunMs: 5000 });
    await warden.start();
    await warden.supervise(supervisor({ id: 'sup', children: [bounded.spec] }));
    const trace = traceActors(warden, { timed: true });

    await clock.advance(4000);
    bounded.current.finish();
    await clock.advance(5099);
    expect(bounded.current.signal.aborted).toBe(false);
    await clock.advance(1);

    expect(trace).toEqual([
      '+4000ms actor.exited bounded normal',
      '+4000ms actor.restarting bounded in 100ms',
      '+4100ms actor.started bounded',
      '+9100ms actor.exited bounded abnormal',
      '+9100ms actor.restarting bounded in 100ms',
    ]);
  });

  it('force-stops a run past maxRunMs that ignores its abort after shutdownMs, as an abnormal exit', async () => {
    const { warden, clock } = testWarden();
    const stuck = controlled('stuck', { maxRunMs: 1000, shutdownMs: 500, ignoreAbort: true });
    await warden.start();
    await warden.supervise(supervisor({ id: 'sup', children: [stuck.spec] }));
    const trace = traceActors(warden, { timed: true });
    const errors = exitErrors(warden);

    await clock.advance(1499);
    expect(stuck.current.signal.aborted).toBe(true);
    expect(trace).toEqual([]);
    await clock.advance(101);

    expect(trace).toEqual([
      '+1500ms actor.exited stuck abnormal',
      '+1500ms actor.restarting stuck in 100ms',
      '+1600ms actor.started stuck',
    ]);
    expect(errors).toEqual(['stuck MAX_RUN_EXCEEDED']);
    await stopOnClock(warden, clock);
  });
});

describe('shutdownMs', () => {
  it('force-stops a child that ignores its abort signal exactly shutdownMs after the abort', async () => {
    const { warden, clock } = testWarden();
    const stubborn = controlled('stubborn', { shutdownMs: 2000, ignoreAbort: true });
    await warden.start();
    await warden.supervise(supervisor({ id: 'sup', children: [stubborn.spec] }));
    const trace = traceActors(warden, { timed: true });

    let stopped = false;
    const stopping = warden.stop().then(() => {
      stopped = true;
    });
    await clock.advance(1999);
    expect(stubborn.current.signal.aborted).toBe(true);
    expect(stopped).toBe(false);
    expect(trace).toEqual([]);
    await clock.advance(1);
    await stopping;

    expect(trace).toEqual([
      '+2000ms actor.exited stubborn shutdown',
      '+2000ms actor.exited sup shutdown',
      '+2000ms actor.exited jobs shutdown',
      '+2000ms actor.exited pools shutdown',
      '+2000ms actor.exited breakers shutdown',
      '+2000ms actor.exited root shutdown',
    ]);
  });

  it('delays a one-for-all restart until a sibling that ignores its abort is force-stopped', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a');
    const stubborn = controlled('stubborn', { shutdownMs: 300, ignoreAbort: true });
    await warden.start();
    await warden.supervise(
      supervisor({ id: 'sup', strategy: 'one-for-all', children: [a.spec, stubborn.spec] }),
    );
    const trace = traceActors(warden, { timed: true });

    a.current.crash();
    await clock.advance(400);

    expect(trace).toEqual([
      '+0ms actor.exited a abnormal',
      '+300ms actor.exited stubborn shutdown',
      '+300ms actor.restarting a in 100ms',
      '+300ms actor.restarting stubborn in 100ms',
      '+400ms actor.started a',
      '+400ms actor.started stubborn',
    ]);
    await stopOnClock(warden, clock);
  });

  it('ignores a force-stopped run that ends later', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a');
    const stubborn = controlled('stubborn', { shutdownMs: 300, ignoreAbort: true });
    await warden.start();
    await warden.supervise(
      supervisor({ id: 'sup', strategy: 'one-for-all', children: [a.spec, stubborn.spec] }),
    );
    a.current.crash();
    await clock.advance(400);
    const trace = traceActors(warden);

    stubborn.runs[0]!.crash('too late');
    stubborn.runs[0]!.finish();
    await clock.advance(10_000);

    expect(trace).toEqual([]);
    expect(stubborn.runs).toHaveLength(2);
    await stopOnClock(warden, clock);
  });
});

describe('warden.stop()', () => {
  it('stops children in reverse start order, each after the previous one has stopped, aborting their signals with ShutdownError', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a', { shutdownMs: 200, ignoreAbort: true });
    const b = controlled('b');
    const c = controlled('c', { shutdownMs: 300, ignoreAbort: true });
    const d = controlled('d');
    await warden.start();
    await warden.supervise(supervisor({ id: 'sup', children: [a.spec, b.spec, c.spec] }));
    await warden.supervise(d.spec);
    const trace = traceActors(warden, { timed: true });

    const stopping = warden.stop();
    await clock.advance(299);
    expect(a.current.signal.aborted).toBe(false);
    expect(b.current.signal.aborted).toBe(false);
    await clock.advance(201);
    await stopping;

    expect(trace).toEqual([
      '+0ms actor.exited d shutdown',
      '+300ms actor.exited c shutdown',
      '+300ms actor.exited b shutdown',
      '+500ms actor.exited a shutdown',
      '+500ms actor.exited sup shutdown',
      '+500ms actor.exited jobs shutdown',
      '+500ms actor.exited pools shutdown',
      '+500ms actor.exited breakers shutdown',
      '+500ms actor.exited root shutdown',
    ]);
    for (const child of [a, b, c, d]) {
      expect(child.current.signal.reason).toBeInstanceOf(ShutdownError);
    }
    expect(warden.health()).toMatchObject({ status: 'unhealthy', lifecycle: 'stopped' });
  });
});

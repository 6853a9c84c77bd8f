import { describe, expect, it } from 'vitest';
import { supervisor, type Strategy } from '../../src/index.js';
import { testWarden } from '../helpers.js';
import { controlled, take, traceActors, type Controlled } from './fixtures.js';

/** A running Warden supervising `ids` (in start order) under a supervisor `sup` with `strategy`. */
async function family(strategy: Strategy, ids: readonly string[]) {
  const { warden, clock } = testWarden();
  const children = ids.map((id) => controlled(id));
  const trace = traceActors(warden);
  await warden.start();
  await warden.supervise(
    supervisor({ id: 'sup', strategy, children: children.map((c) => c.spec) }),
  );
  const byId = new Map(children.map((child) => [child.spec.id, child]));
  const get = (id: string): Controlled => byId.get(id)!;
  return { warden, clock, trace, get };
}

describe('one-for-one', () => {
  it('restarts only the child that crashed, after its backoff, leaving its siblings running', async () => {
    const { clock, trace, get } = await family('one-for-one', ['a', 'b', 'c']);
    expect(take(trace)).toEqual([
      'actor.started root',
      'actor.started jobs',
      'actor.started breakers',
      'actor.started pools',
      'actor.started sup',
      'actor.started a',
      'actor.started b',
      'actor.started c',
    ]);

    get('b').current.crash();
    await clock.advance(99);
    expect(take(trace)).toEqual(['actor.exited b abnormal', 'actor.restarting b in 100ms']);
    await clock.advance(1);

    expect(take(trace)).toEqual(['actor.started b']);
    expect(get('a').runs).toHaveLength(1);
    expect(get('c').runs).toHaveLength(1);
    expect(get('a').current.signal.aborted).toBe(false);
    expect(get('c').current.signal.aborted).toBe(false);
    expect(get('b').runs.map((run) => run.restarts)).toEqual([0, 1]);
  });

  it('restarts a child that finished normally, as it is permanent by default', async () => {
    const { clock, trace, get } = await family('one-for-one', ['a', 'b']);
    take(trace);

    get('a').current.finish();
    await clock.advance(100);

    expect(take(trace)).toEqual([
      'actor.exited a normal',
      'actor.restarting a in 100ms',
      'actor.started a',
    ]);
    expect(get('b').runs).toHaveLength(1);
  });
});

describe('one-for-all', () => {
  it('stops every sibling in reverse start order, then starts all of them again in start order', async () => {
    const { clock, trace, get } = await family('one-for-all', ['a', 'b', 'c', 'd']);
    take(trace);

    get('c').current.crash();
    await clock.advance(100);

    expect(take(trace)).toEqual([
      'actor.exited c abnormal',
      'actor.exited d shutdown',
      'actor.exited b shutdown',
      'actor.exited a shutdown',
      'actor.restarting a in 100ms',
      'actor.restarting b in 100ms',
      'actor.restarting c in 100ms',
      'actor.restarting d in 100ms',
      'actor.started a',
      'actor.started b',
      'actor.started c',
      'actor.started d',
    ]);
    for (const id of ['a', 'b', 'd']) {
      expect(get(id).runs).toHaveLength(2);
      expect(get(id).runs[0]!.signal.aborted).toBe(true);
      expect(get(id).current.signal.aborted).toBe(false);
    }
  });

  it('restarts every child when the first one crashes', async () => {
    const { clock, trace, get } = await family('one-for-all', ['a', 'b', 'c']);
    take(trace);

    get('a').current.crash();
    await clock.advance(100);

    expect(take(trace)).toEqual([
      'actor.exited a abnormal',
      'actor.exited c shutdown',
      'actor.exited b shutdown',
      'actor.restarting a in 100ms',
      'actor.restarting b in 100ms',
      'actor.restarting c in 100ms',
      'actor.started a',
      'actor.started b',
      'actor.started c',
    ]);
  });
});

describe('rest-for-one', () => {
  it('stops the children started after the crashed one in reverse order and restarts them in start order', async () => {
    const { clock, trace, get } = await family('rest-for-one', ['a', 'b', 'c', 'd']);
    take(trace);

    get('b').current.crash();
    await clock.advance(100);

    expect(take(trace)).toEqual([
      'actor.exited b abnormal',
      'actor.exited d shutdown',
      'actor.exited c shutdown',
      'actor.restarting b in 100ms',
      'actor.restarting c in 100ms',
      'actor.restarting d in 100ms',
      'actor.started b',
      'actor.started c',
      'actor.started d',
    ]);
    expect(get('a').runs).toHaveLength(1);
    expect(get('a').current.signal.aborted).toBe(false);
  });

  it('restarts only the last child when the last one crashes', async () => {
    const { clock, trace, get } = await family('rest-for-one', ['a', 'b', 'c']);
    take(trace);

    get('c').current.crash();
    await clock.advance(100);

    expect(take(trace)).toEqual([
      'actor.exited c abnormal',
      'actor.restarting c in 100ms',
      'actor.started c',
    ]);
    expect(get('a').runs).toHaveLength(1);
    expect(get('b').runs).toHaveLength(1);
  });
});

describe('restart backoff', () => {
  it('waits 100, 200, then 400 ms before successive restarts by default, with no jitter taken off when random() is 0', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a');
    await warden.start();
    await warden.supervise(supervisor({ id: 'sup', children: [a.spec] }));
    const trace = traceActors(warden, { timed: true });

    a.current.crash();
    await clock.advance(99);
    expect(a.runs).toHaveLength(1);
    await clock.advance(1);
    expect(a.runs).toHaveLength(2);
    a.current.crash();
    await clock.advance(200);
    a.current.crash();
    await clock.advance(400);

    expect(trace).toEqual([
      '+0ms actor.exited a abnormal',
      '+0ms actor.restarting a in 100ms',
      '+100ms actor.started a',
      '+100ms actor.exited a abnormal',
      '+100ms actor.restarting a in 200ms',
      '+300ms actor.started a',
      '+300ms actor.exited a abnormal',
      '+300ms actor.restarting a in 400ms',
      '+700ms actor.started a',
    ]);
  });

  it('waits the same time before every restart with a fixed backoff', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a', { backoff: { type: 'fixed', delayMs: 250 } });
    await warden.start();
    await warden.supervise(supervisor({ id: 'sup', children: [a.spec] }));
    const trace = traceActors(warden, { timed: true });

    for (let i = 0; i < 3; i++) {
      a.current.crash();
      await clock.advance(250);
    }

    expect(trace).toEqual([
      '+0ms actor.exited a abnormal',
      '+0ms actor.restarting a in 250ms',
      '+250ms actor.started a',
      '+250ms actor.exited a abnormal',
      '+250ms actor.restarting a in 250ms',
      '+500ms actor.started a',
      '+500ms actor.exited a abnormal',
      '+500ms actor.restarting a in 250ms',
      '+750ms actor.started a',
    ]);
  });

  it('grows an exponential backoff by its factor up to its maxDelayMs', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a', {
      backoff: { type: 'exponential', delayMs: 100, factor: 3, maxDelayMs: 500 },
    });
    await warden.start();
    await warden.supervise(
      supervisor({ id: 'sup', maxRestarts: 10, withinMs: 60_000, children: [a.spec] }),
    );
    const trace = traceActors(warden);

    for (let i = 0; i < 4; i++) {
      a.current.crash();
      await clock.advance(500);
    }

    expect(trace.filter((line) => line.startsWith('actor.restarting'))).toEqual([
      'actor.restarting a in 100ms',
      'actor.restarting a in 300ms',
      'actor.restarting a in 500ms',
      'actor.restarting a in 500ms',
    ]);
  });

  it('takes jitter off the delay in proportion to random()', async () => {
    const { warden, clock } = testWarden({ random: () => 0.5 });
    const a = controlled('a');
    await warden.start();
    await warden.supervise(supervisor({ id: 'sup', children: [a.spec] }));
    const trace = traceActors(warden, { timed: true });

    a.current.crash();
    await clock.advance(89);
    expect(a.runs).toHaveLength(1);
    await clock.advance(1);

    // The default jitter is 0.2: 100 ms × (1 − 0.2 × 0.5).
    expect(trace).toEqual([
      '+0ms actor.exited a abnormal',
      '+0ms actor.restarting a in 90ms',
      '+90ms actor.started a',
    ]);
  });

  it('starts again from the first delay once earlier restarts have left the intensity window', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a');
    await warden.start();
    await warden.supervise(supervisor({ id: 'sup', withinMs: 1000, children: [a.spec] }));
    const trace = traceActors(warden, { timed: true });

    a.current.crash();
    await clock.advance(100);
    a.current.crash();
    await clock.advance(200);
    await clock.advance(1000);
    a.current.crash();
    await clock.advance(100);

    expect(trace).toEqual([
      '+0ms actor.exited a abnormal',
      '+0ms actor.restarting a in 100ms',
      '+100ms actor.started a',
      '+100ms actor.exited a abnormal',
      '+100ms actor.restarting a in 200ms',
      '+300ms actor.started a',
      '+1300ms actor.exited a abnormal',
      '+1300ms actor.restarting a in 100ms',
      '+1400ms actor.started a',
    ]);
  });

  it('does not start a child waiting out its backoff once Warden stops', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a', { backoff: { type: 'fixed', delayMs: 1000 } });
    const b = controlled('b');
    await warden.start();
    await warden.supervise(supervisor({ id: 'sup', children: [a.spec, b.spec] }));
    const trace = traceActors(warden);

    a.current.crash();
    await clock.advance(10);
    await warden.stop();
    await clock.advance(2000);

    expect(trace).toEqual([
      'actor.exited a abnormal',
      'actor.restarting a in 1000ms',
      'actor.exited b shutdown',
      'actor.exited sup shutdown',
      'actor.exited jobs shutdown',
      'actor.exited pools shutdown',
      'actor.exited breakers shutdown',
      'actor.exited root shutdown',
    ]);
    expect(a.runs).toHaveLength(1);
  });
});

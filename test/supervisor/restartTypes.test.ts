import { describe, expect, it } from 'vitest';
import { supervisor, type RestartType, type Strategy, type TreeNode } from '../../src/index.js';
import { testWarden } from '../helpers.js';
import { controlled, take, traceActors } from './fixtures.js';

/** The ids and states of `sup`'s children in `tree()`. */
function childrenOf(tree: TreeNode, id: string): string[] {
  const node = tree.children?.find((child) => child.id === id);
  return (node?.children ?? []).map((child) => `${child.id} ${child.state}`);
}

async function one(restart: RestartType, strategy: Strategy = 'one-for-one') {
  const { warden, clock } = testWarden();
  const a = controlled('a');
  const x = controlled('x', { restart });
  const b = controlled('b');
  await warden.start();
  await warden.supervise(supervisor({ id: 'sup', strategy, children: [a.spec, x.spec, b.spec] }));
  const trace = traceActors(warden);
  return { warden, clock, trace, a, x, b };
}

describe('a permanent child', () => {
  it('is restarted after a normal exit', async () => {
    const { warden, clock, trace, x } = await one('permanent');

    x.current.finish();
    await clock.advance(100);

    expect(trace).toEqual([
      'actor.exited x normal',
      'actor.restarting x in 100ms',
      'actor.started x',
    ]);
    expect(childrenOf(warden.tree(), 'sup')).toEqual(['a running', 'x running', 'b running']);
  });

  it('is restarted after an abnormal exit', async () => {
    const { warden, clock, trace, x } = await one('permanent');

    x.current.crash();
    await clock.advance(100);

    expect(trace).toEqual([
      'actor.exited x abnormal',
      'actor.restarting x in 100ms',
      'actor.started x',
    ]);
    expect(childrenOf(warden.tree(), 'sup')).toEqual(['a running', 'x running', 'b running']);
  });
});

describe('a transient child', () => {
  it('is not restarted after a normal exit, and leaves the tree', async () => {
    const { warden, clock, trace, x } = await one('transient');

    x.current.finish();
    await clock.advance(10_000);

    expect(trace).toEqual(['actor.exited x normal']);
    expect(x.runs).toHaveLength(1);
    expect(childrenOf(warden.tree(), 'sup')).toEqual(['a running', 'b running']);
  });

  it('is restarted after an abnormal exit', async () => {
    const { warden, clock, trace, x } = await one('transient');

    x.current.crash();
    await clock.advance(100);

    expect(trace).toEqual([
      'actor.exited x abnormal',
      'actor.restarting x in 100ms',
      'actor.started x',
    ]);
    expect(childrenOf(warden.tree(), 'sup')).toEqual(['a running', 'x running', 'b running']);
  });

  it('takes its siblings down under one-for-all only when it exits abnormally', async () => {
    const { clock, trace, x } = await one('transient', 'one-for-all');

    x.current.crash();
    await clock.advance(100);

    expect(take(trace)).toEqual([
      'actor.exited x abnormal',
      'actor.exited b shutdown',
      'actor.exited a shutdown',
      'actor.restarting a in 100ms',
      'actor.restarting x in 100ms',
      'actor.restarting b in 100ms',
      'actor.started a',
      'actor.started x',
      'actor.started b',
    ]);

    x.current.finish();
    await clock.advance(10_000);
    expect(take(trace)).toEqual(['actor.exited x normal']);
  });
});

describe('a temporary child', () => {
  it('is not restarted after a normal exit, and leaves the tree', async () => {
    const { warden, clock, trace, x } = await one('temporary');

    x.current.finish();
    await clock.advance(10_000);

    expect(trace).toEqual(['actor.exited x normal']);
    expect(childrenOf(warden.tree(), 'sup')).toEqual(['a running', 'b running']);
  });

  it('is not restarted after an abnormal exit, and leaves the tree', async () => {
    const { warden, clock, trace, x } = await one('temporary');

    x.current.crash();
    await clock.advance(10_000);

    expect(trace).toEqual(['actor.exited x abnormal']);
    expect(x.runs).toHaveLength(1);
    expect(childrenOf(warden.tree(), 'sup')).toEqual(['a running', 'b running']);
  });

  it('takes no sibling down under one-for-all when it crashes', async () => {
    const { warden, clock, trace, a, b, x } = await one('temporary', 'one-for-all');

    x.current.crash();
    await clock.advance(10_000);

    expect(trace).toEqual(['actor.exited x abnormal']);
    expect(a.runs).toHaveLength(1);
    expect(b.runs).toHaveLength(1);
    expect(childrenOf(warden.tree(), 'sup')).toEqual(['a running', 'b running']);
  });

  it('is stopped but not restarted when a sibling’s crash restarts everyone under one-for-all, and is removed from tree()', async () => {
    const { warden, clock, trace, a, b, x } = await one('temporary', 'one-for-all');

    b.current.crash();
    await clock.advance(100);

    expect(trace).toEqual([
      'actor.exited b abnormal',
      'actor.exited x shutdown',
      'actor.exited a shutdown',
      'actor.restarting a in 100ms',
      'actor.restarting b in 100ms',
      'actor.started a',
      'actor.started b',
    ]);
    expect(x.runs).toHaveLength(1);
    expect(x.current.signal.aborted).toBe(true);
    expect(a.runs).toHaveLength(2);
    expect(childrenOf(warden.tree(), 'sup')).toEqual(['a running', 'b running']);
  });

  it('is stopped but not restarted when an earlier sibling crashes under rest-for-one', async () => {
    const { warden, clock, trace, a, x } = await one('temporary', 'rest-for-one');

    a.current.crash();
    await clock.advance(100);

    expect(trace).toEqual([
      'actor.exited a abnormal',
      'actor.exited b shutdown',
      'actor.exited x shutdown',
      'actor.restarting a in 100ms',
      'actor.restarting b in 100ms',
      'actor.started a',
      'actor.started b',
    ]);
    expect(x.runs).toHaveLength(1);
    expect(childrenOf(warden.tree(), 'sup')).toEqual(['a running', 'b running']);
  });
});

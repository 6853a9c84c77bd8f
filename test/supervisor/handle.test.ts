import { describe, expect, it } from 'vitest';
import { ActorNotFoundError, supervisor, type ActorHandle } from '../../src/index.js';
import { testWarden } from '../helpers.js';
import { controlled, take, traceActors } from './fixtures.js';

describe('the handle supervise() resolves with', () => {
  it('reads its tree, and stops, restarts and removes it', async () => {
    const { warden } = testWarden();
    await warden.start();
    const handle: ActorHandle = await warden.supervise(
      supervisor({ id: 'tenant-1', children: [controlled('socket').spec] }),
    );
    const trace = traceActors(warden);

    expect(handle.id).toBe('tenant-1');
    expect(handle.tree()).toEqual({
      id: 'tenant-1',
      kind: 'supervisor',
      state: 'running',
      restarts: 0,
      strategy: 'one-for-one',
      children: [{ id: 'socket', kind: 'worker', state: 'running', restarts: 0 }],
    });

    await handle.stop();
    expect(handle.tree()).toMatchObject({ state: 'stopped', stoppedByHand: true });
    await handle.restart();
    expect(handle.tree()?.state).toBe('running');
    expect(handle.tree()?.stoppedByHand).toBeUndefined();
    await handle.stop();
    await handle.remove();

    expect(handle.tree()).toBeUndefined();
    expect(take(trace)).toEqual([
      'actor.exited socket shutdown',
      'actor.exited tenant-1 shutdown',
      'actor.stopped tenant-1',
      'actor.resumed tenant-1',
      'actor.started tenant-1',
      'actor.started socket',
      'actor.exited socket shutdown',
      'actor.exited tenant-1 shutdown',
      'actor.stopped tenant-1',
      'actor.removed tenant-1',
    ]);
  });

  it('acts only on the tree it was returned for, not on a later one given the same id', async () => {
    const { warden } = testWarden();
    await warden.start();
    const old = await warden.supervise(controlled('tenant-1').spec);
    await old.stop();
    await old.remove();
    const current = await warden.supervise(controlled('tenant-1').spec);

    await expect(old.stop()).rejects.toBeInstanceOf(ActorNotFoundError);
    await expect(old.restart()).rejects.toBeInstanceOf(ActorNotFoundError);
    await expect(old.remove()).rejects.toBeInstanceOf(ActorNotFoundError);
    expect(old.tree()).toBeUndefined();
    expect(current.tree()?.state).toBe('running');
  });

  it('is returned before start() too; its operations need a running Warden', async () => {
    const { warden } = testWarden();
    const handle = await warden.supervise(controlled('early').spec);

    expect(handle.tree()?.state).toBe('idle');
    await expect(handle.stop()).rejects.toMatchObject({
      code: 'NOT_RUNNING',
      message: 'cannot stop an actor: Warden is idle',
    });
    await warden.start();
    await handle.stop();
    expect(handle.tree()).toMatchObject({ state: 'exited', stoppedByHand: true });
  });
});

import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/index.js';
import {
  SnapshotPublisher,
  type SnapshotStore,
} from '../../src/observability/snapshotPublisher.js';
import { readSnapshot } from '../../src/persistence/sqlite/snapshots.js';
import { t0 } from '../helpers.js';
import { openStore } from '../persistence/storeFixtures.js';
import { capture } from './captureLogger.js';

function publisher(store: SnapshotStore, intervalMs = 1000) {
  const clock = createManualClock(t0);
  const { logger, lines } = capture();
  const snapshots = new SnapshotPublisher({ store, clock, logger, owner: 'me', intervalMs });
  return { snapshots, clock, lines };
}

describe('SnapshotPublisher', () => {
  it('publishes every provider at start, then every interval, and a last time at stop', async () => {
    const store = openStore();
    const { snapshots, clock } = publisher(store);
    let reads = 0;
    snapshots.add({ name: 'count', read: () => ({ reads: ++reads }) });
    snapshots.add({ name: 'later', read: () => Promise.resolve('async') });
    expect(snapshots.names).toEqual(['count', 'later']);
    await snapshots.start();
    expect(store.snapshot('count')).toEqual({ at: t0, owner: 'me', body: { reads: 1 } });
    expect(store.snapshot('later')?.body).toBe('async');

    await clock.advance(999);
    expect(store.snapshot('count')?.body).toEqual({ reads: 1 });
    await clock.advance(1);
    await snapshots.publishNow();
    expect(store.snapshot('count')).toMatchObject({ at: t0 + 1000 });
    const before = reads;
    await snapshots.stop();
    expect(reads).toBe(before + 1);
    expect(clock.pending()).toBe(0);
    await snapshots.stop(); // once stopped, nothing more
    expect(reads).toBe(before + 1);
  });

  it('writes undefined as null, replaces a provider by name, and reads through any connection', async () => {
    const store = openStore();
    const { snapshots } = publisher(store);
    snapshots.add({ name: 'a', read: () => 1 });
    snapshots.add({ name: 'a', read: () => undefined });
    await snapshots.start();
    expect(store.snapshot('a')?.body).toBeNull();
    expect(readSnapshot(store.reader(), 'missing')).toBeUndefined();
    await snapshots.stop();
  });

  it('leaves out a provider that throws or returns what JSON cannot hold, and logs it', async () => {
    const store = openStore();
    const { snapshots, lines } = publisher(store);
    snapshots.add({ name: 'good', read: () => 'ok' });
    snapshots.add({
      name: 'throws',
      read: () => {
        throw new Error('broken');
      },
    });
    snapshots.add({ name: 'bigint', read: () => ({ n: 1n }) });
    await snapshots.start();
    expect(store.snapshot('good')?.body).toBe('ok');
    expect(store.snapshot('throws')).toBeUndefined();
    expect(store.snapshot('bigint')).toBeUndefined();
    expect(
      lines
        .filter((l) => l['msg'] === 'a runtime snapshot could not be read')
        .map((l) => l['snapshot']),
    ).toEqual(['throws', 'bigint']);
    await snapshots.stop();
  });

  it('logs a store that refuses the round and tries again next interval', async () => {
    let calls = 0;
    const store: SnapshotStore = {
      publishSnapshots: () => {
        calls += 1;
        return Promise.reject(new Error('read-only'));
      },
    };
    const { snapshots, clock, lines } = publisher(store, 50);
    snapshots.add({ name: 'x', read: () => 1 });
    await snapshots.start();
    expect(lines.some((l) => l['msg'] === 'runtime snapshots could not be published')).toBe(true);
    await clock.advance(50);
    expect(calls).toBe(2);
    await snapshots.stop();
  });

  it('runs one round at a time: a start or publish during a round joins it', async () => {
    const store = openStore();
    const { snapshots } = publisher(store);
    snapshots.add({ name: 'x', read: () => 1 });
    const first = snapshots.start();
    expect(snapshots.start()).toBe(first);
    expect(snapshots.publishNow()).toBe(first);
    await first;
    await snapshots.stop();
  });
});

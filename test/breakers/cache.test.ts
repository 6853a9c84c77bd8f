import { describe, expect, it } from 'vitest';
import { deferred, testWarden } from '../helpers.js';
import { callTimes, down } from './helpers.js';

async function setup() {
  const { warden, clock } = testWarden();
  await warden.start();
  const breaker = warden.breaker('api', { consecutiveFailures: 1, openMs: 1000 });
  let computed = 0;
  const fetchUser = async (): Promise<{ name: string; version: number }> => ({
    name: 'ada',
    version: ++computed,
  });
  return { warden, clock, breaker, fetchUser, computed: () => computed };
}

describe('breaker.cached', () => {
  it('serves a fresh entry within its ttl without calling', async () => {
    const { breaker, clock, fetchUser, computed } = await setup();
    expect(await breaker.cached('user:1', fetchUser, { ttlMs: 5000 })).toEqual({
      value: { name: 'ada', version: 1 },
      stale: false,
      ageMs: 0,
      fromCache: false,
    });
    await clock.advance(4000);
    expect(await breaker.cached('user:1', fetchUser, { ttlMs: 5000 })).toMatchObject({
      value: { version: 1 },
      stale: false,
      ageMs: 4000,
      fromCache: true,
    });
    await clock.advance(1000);
    expect(await breaker.cached('user:1', fetchUser, { ttlMs: 5000 })).toMatchObject({
      value: { version: 2 },
      fromCache: false,
    });
    expect(computed()).toBe(2);
  });

  it('serves the last good value, marked stale with its age, while the breaker is open', async () => {
    const { breaker, clock, fetchUser, computed } = await setup();
    await breaker.cached('user:1', fetchUser);
    await clock.advance(200);
    await callTimes(breaker, 1, down);
    expect(breaker.state).toBe('open');
    expect(await breaker.cached('user:1', fetchUser)).toEqual({
      value: { name: 'ada', version: 1 },
      stale: true,
      ageMs: 200,
      fromCache: true,
    });
    expect(computed()).toBe(1);
    await expect(breaker.cached('user:2', fetchUser)).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
    });
  });

  it('never serves an entry written before a state change as fresh', async () => {
    const { breaker, clock, fetchUser } = await setup();
    await breaker.cached('user:1', fetchUser, { ttlMs: 60_000 });
    await callTimes(breaker, 1, down); // closed → open
    await clock.advance(1000); // open → half-open
    // Within its ttl, but written in an earlier state: the trial call computes it again.
    expect(await breaker.cached('user:1', fetchUser, { ttlMs: 60_000 })).toMatchObject({
      value: { version: 2 },
      stale: false,
      fromCache: false,
    });
    expect(breaker.state).toBe('closed'); // the trial passed: another change
    expect(await breaker.cached('user:1', fetchUser, { ttlMs: 60_000 })).toMatchObject({
      value: { version: 3 },
      fromCache: false,
    });
    expect(await breaker.cached('user:1', fetchUser, { ttlMs: 60_000 })).toMatchObject({
      value: { version: 3 },
      fromCache: true,
    });
  });

  it('does not store a value whose computation began before a state change as fresh', async () => {
    const { breaker, fetchUser } = await setup();
    const gate = deferred();
    const slow = breaker.cached('user:1', async () => {
      await gate.promise;
      return fetchUser();
    });
    breaker.isolate();
    breaker.reset(); // two changes while the call is in flight
    gate.resolve();
    await slow;
    expect(await breaker.cached('user:1', fetchUser)).toMatchObject({ fromCache: false });
  });

  it('leaves no entry behind a failed computation', async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api');
    await expect(breaker.cached('k', down)).rejects.toThrow('service answered 503');
    await expect(breaker.cached('k', down)).rejects.toThrow('service answered 503');
    expect(await breaker.cached('k', async () => 'good')).toMatchObject({ fromCache: false });
  });

  it('serves stale on a failed call only with staleOnError, and never older than maxStaleMs', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api');
    await breaker.cached('k', async () => 'good', { ttlMs: 10 });
    await clock.advance(100);
    await expect(breaker.cached('k', down, { ttlMs: 10 })).rejects.toThrow('503');
    expect(await breaker.cached('k', down, { ttlMs: 10, staleOnError: true })).toEqual({
      value: 'good',
      stale: true,
      ageMs: 100,
      fromCache: true,
    });
    await expect(
      breaker.cached('k', down, { ttlMs: 10, staleOnError: true, maxStaleMs: 99 }),
    ).rejects.toThrow('503');
  });

  it('shares one call between concurrent misses of a key', async () => {
    const { breaker, fetchUser, computed } = await setup();
    const [a, b] = await Promise.all([
      breaker.cached('user:1', fetchUser),
      breaker.cached('user:1', fetchUser),
    ]);
    expect(a).toBe(b);
    expect(computed()).toBe(1);
  });

  it('keeps at most cacheSize entries, dropping the oldest', async () => {
    const { warden } = testWarden();
    await warden.start();
    const breaker = warden.breaker('api', { cacheSize: 2 });
    for (const key of ['a', 'b', 'c']) await breaker.cached(key, async () => key);
    expect(await breaker.cached('a', async () => 'again')).toMatchObject({
      value: 'again',
      fromCache: false,
    });
    expect(await breaker.cached('c', async () => 'x')).toMatchObject({
      value: 'c',
      fromCache: true,
    });
    breaker.invalidate('c');
    expect(await breaker.cached('c', async () => 'y')).toMatchObject({
      value: 'y',
      fromCache: false,
    });
  });

  it('refuses bad arguments with typed errors', async () => {
    const { breaker, fetchUser } = await setup();
    await expect(breaker.cached('', fetchUser)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(breaker.cached('k', 5 as never)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(breaker.cached('k', fetchUser, { ttl: 5 } as never)).rejects.toThrow(
      'did you mean `ttlMs`',
    );
    await expect(breaker.cached('k', fetchUser, { ttlMs: -1 })).rejects.toThrow('-1');
  });
});

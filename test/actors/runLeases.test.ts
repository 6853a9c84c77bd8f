import { describe, expect, it } from 'vitest';
import { InvalidOptionError, JobCancelledError, LeaseEndedError } from '../../src/errors.js';
import type { Lease, Pool } from '../../src/actors/pool.js';
import { RunLeases } from '../../src/actors/runLeases.js';

/** A lease that records how it ended; ending it twice throws, as a pool's lease does. */
function lease(log: string[], name: string): Lease<string> {
  let ended = false;
  const end = (how: string): void => {
    if (ended) throw new LeaseEndedError('p', 'released', how);
    ended = true;
    log.push(`${how} ${name}`);
  };
  return {
    resource: name,
    signal: new AbortController().signal,
    release: () => end('released'),
    destroy: () => end('destroyed'),
    fail: () => end('failed'),
  };
}

/** A pool handing out the given leases in turn, recording the signal each acquire got. */
function pool(leases: Lease<string>[], signals: AbortSignal[]): Pool<unknown> {
  return {
    name: 'p',
    acquire: (options?: { signal?: AbortSignal }) => {
      if (options?.signal !== undefined) signals.push(options.signal);
      const next = leases.shift();
      return next === undefined ? Promise.reject(new Error('empty')) : Promise.resolve(next);
    },
  } as unknown as Pool<unknown>;
}

describe("a job attempt's leases", () => {
  it('finds a pool by name or takes one given, and refuses anything else', async () => {
    const log: string[] = [];
    const named = pool([lease(log, 'a')], []);
    const leases = new RunLeases('1', (name) => (name === 'p' ? named : undefined));
    const attempt = new AbortController().signal;
    await expect(leases.acquire('p', undefined, attempt, () => false)).resolves.toMatchObject({
      resource: 'a',
    });
    await expect(leases.acquire('nope', undefined, attempt, () => false)).rejects.toBeInstanceOf(
      InvalidOptionError,
    );
    await expect(leases.acquire(42, undefined, attempt, () => false)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      option: 'pool',
    });
    const given = pool([lease(log, 'b')], []);
    await expect(leases.acquire(given, undefined, attempt, () => false)).resolves.toMatchObject({
      resource: 'b',
    });
  });

  it("waits on the attempt's signal, joined to the handler's own", async () => {
    const log: string[] = [];
    const signals: AbortSignal[] = [];
    const leases = new RunLeases('1', () => undefined);
    const attempt = new AbortController();
    const own = new AbortController();
    await leases.acquire(pool([lease(log, 'a')], signals), undefined, attempt.signal, () => false);
    await leases.acquire(
      pool([lease(log, 'b')], signals),
      { signal: own.signal },
      attempt.signal,
      () => false,
    );
    expect(signals[0]).toBe(attempt.signal);
    expect(signals[1]?.aborted).toBe(false);
    own.abort(new Error('mine'));
    expect(signals[1]?.aborted).toBe(true);
  });

  it('gives back a lease that arrives after the attempt ended, and refuses the call', async () => {
    const log: string[] = [];
    const leases = new RunLeases('7', () => undefined);
    const acquired = leases.acquire(
      pool([lease(log, 'late')], []),
      undefined,
      new AbortController().signal,
      () => true,
    );
    await expect(acquired).rejects.toBeInstanceOf(JobCancelledError);
    expect(log).toEqual(['released late']);
  });

  it('releases what is left at the end, or destroys it, and ignores leases already ended', async () => {
    const log: string[] = [];
    const leases = new RunLeases('1', () => undefined);
    const attempt = new AbortController().signal;
    const first = await leases.acquire(
      pool([lease(log, 'a')], []),
      undefined,
      attempt,
      () => false,
    );
    await leases.acquire(pool([lease(log, 'b')], []), undefined, attempt, () => false);
    first.release(); // the handler ended it itself
    leases.end(false);
    expect(log).toEqual(['released a', 'released b']);
    leases.end(true); // nothing left
    await leases.acquire(pool([lease(log, 'c')], []), undefined, attempt, () => false);
    leases.end(true);
    expect(log).toEqual(['released a', 'released b', 'destroyed c']);
  });
});

import { describe, expect, it } from 'vitest';
import { PoolLease, type LeaseHost } from '../../src/actors/poolLease.js';
import { LeaseEndedError } from '../../src/errors.js';

/** A lease of `conn` on a pool named `db` whose host records what it is told. */
function lease(broken = false): { lease: PoolLease<string, string>; told: string[] } {
  const told: string[] = [];
  const host: LeaseHost<string, string> = {
    name: 'db',
    returned: (returned, destroy) => {
      told.push(`${returned.slot} ${destroy ? 'destroyed' : 'released'}`);
    },
    isBroken: (error, resource) => {
      told.push(`isBroken(${error.message}, ${resource})`);
      return broken;
    },
  };
  return { lease: new PoolLease(host, 'slot-1', 'conn'), told };
}

describe('PoolLease', () => {
  it('gives its resource back once, released or destroyed', () => {
    const released = lease();
    released.lease.release();
    expect(released.lease.ended).toBe('released');
    const destroyed = lease();
    destroyed.lease.destroy();
    expect(destroyed.lease.ended).toBe('destroyed');
    expect([...released.told, ...destroyed.told]).toEqual(['slot-1 released', 'slot-1 destroyed']);
  });

  it('refuses a second end with LeaseEndedError, telling the pool nothing more', () => {
    const { lease: held, told } = lease();
    held.release();
    expect(() => {
      held.release();
    }).toThrow(LeaseEndedError);
    expect(() => {
      held.destroy();
    }).toThrow('this lease of pool `db` was already released: cannot destroy it');
    expect(told).toEqual(['slot-1 released']);
  });

  it('asks the pool whether an error means the resource is broken', () => {
    const kept = lease(false);
    kept.lease.fail(new Error('timeout'));
    const broken = lease(true);
    broken.lease.fail('reset');
    expect(kept.told).toEqual(['isBroken(timeout, conn)', 'slot-1 released']);
    expect(broken.told).toEqual(['isBroken(reset, conn)', 'slot-1 destroyed']);
  });

  it('ignores a failure after the lease ended', () => {
    const { lease: held, told } = lease();
    held.release();
    held.fail(new Error('late'));
    expect(told).toEqual(['slot-1 released']);
  });

  it('aborts the holder’s signal when the pool takes it back, after which ends are no-ops', () => {
    const { lease: held, told } = lease();
    const reason = new Error('pool stopping');
    held.revoke(reason);
    expect(held.ended).toBe('revoked');
    expect(held.signal.aborted).toBe(true);
    expect(held.signal.reason).toBe(reason);
    held.release();
    held.destroy();
    held.revoke(new Error('again'));
    held.abandon(new Error('again'));
    expect(held.signal.reason).toBe(reason);
    expect(told).toEqual([]);
  });

  it('aborts the signal, then destroys, when abandoned by its attempt', () => {
    const { lease: held, told } = lease();
    const signal = held.signal;
    const reason = new Error('timed out');
    held.abandon(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(told).toEqual(['slot-1 destroyed']);
  });

  it('neither revokes nor abandons a lease that has ended', () => {
    const { lease: held, told } = lease();
    const signal = held.signal;
    held.release();
    held.revoke(new Error('late'));
    held.abandon(new Error('late'));
    expect(held.ended).toBe('released');
    expect(signal.aborted).toBe(false);
    expect(told).toEqual(['slot-1 released']);
  });

  it('makes one signal, on first use', () => {
    const { lease: held } = lease();
    expect(held.signal).toBe(held.signal);
    expect(held.signal.aborted).toBe(false);
  });
});

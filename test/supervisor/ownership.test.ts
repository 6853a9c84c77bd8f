import { describe, expect, it } from 'vitest';
import type { OwnerRecord } from '../../src/persistence/Store.js';
import {
  isZombieStat,
  mayReplaceOwner,
  ownerStaleAfterMs,
  type Claimant,
} from '../../src/supervisor/ownership.js';

const now = 1_700_000_000_000;
const claimant: Claimant = { pid: 100, host: 'alpha', processStartedAt: now - 60_000, now };

function owner(overrides: Partial<OwnerRecord> = {}): OwnerRecord {
  return {
    token: 't-1',
    pid: 200,
    host: 'alpha',
    processStartedAt: now - 90_000,
    startedAt: now - 5000,
    heartbeatAt: now,
    ...overrides,
  };
}

const alive = (): boolean => true;
const gone = (): boolean => false;

describe('mayReplaceOwner', () => {
  it.each([
    ['a live process on this host', owner(), alive, false],
    ['a process on this host that no longer exists', owner(), gone, true],
    [
      'a former process with this process id (a restarted container)',
      owner({ pid: 100 }),
      alive,
      true,
    ],
    ['a fresh owner on another host, whatever its pid', owner({ host: 'beta' }), gone, false],
    [
      'a live Warden of this very process (another instance or worker thread)',
      owner({ pid: 100, processStartedAt: now - 60_000 + 40 }),
      gone,
      false,
    ],
    [
      'a Warden of this process silent past the stale limit',
      owner({ pid: 100, processStartedAt: now - 60_000, heartbeatAt: now - ownerStaleAfterMs - 1 }),
      alive,
      true,
    ],
    [
      'an owner silent for just the stale limit',
      owner({ heartbeatAt: now - ownerStaleAfterMs }),
      alive,
      false,
    ],
    [
      'a live process silent past the stale limit (hung, or its id reused)',
      owner({ heartbeatAt: now - ownerStaleAfterMs - 1 }),
      alive,
      true,
    ],
    [
      'an owner on another host silent past the stale limit',
      owner({ host: 'beta', heartbeatAt: now - ownerStaleAfterMs - 1 }),
      alive,
      true,
    ],
  ])('%s: %s', (_name, current, exists, expected) => {
    expect(mayReplaceOwner(current, claimant, exists)).toBe(expected);
  });

  it('asks about the owner process only when it is fresh and on this host', () => {
    const asked: number[] = [];
    const exists = (pid: number): boolean => {
      asked.push(pid);
      return true;
    };
    mayReplaceOwner(owner({ host: 'beta' }), claimant, exists);
    mayReplaceOwner(owner({ heartbeatAt: 0 }), claimant, exists);
    mayReplaceOwner(owner({ pid: 100 }), claimant, exists);
    expect(asked).toEqual([]);
    mayReplaceOwner(owner({ pid: 321 }), claimant, exists);
    expect(asked).toEqual([321]);
  });
});

describe('isZombieStat', () => {
  it.each([
    ['4242 (node) S 1 4242 4242 0 -1 4194560', false],
    ['4242 (node) Z 1 4242 4242 0 -1 4194560', true],
    ['4242 (my (odd) app) Z 1 4242', true],
    ['4242 (a) Z) R 1 4242', false],
    ['garbage', false],
  ])('%s: %s', (stat, zombie) => {
    expect(isZombieStat(stat)).toBe(zombie);
  });
});

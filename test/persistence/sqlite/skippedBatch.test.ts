import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../src/persistence/schema.js';
import { BatchWriter, SkippedBatch } from '../../../src/persistence/sqlite/batchWriter.js';
import type { WriteBatch } from '../../../src/persistence/Store.js';

function writer(): { db: Database.Database; writer: BatchWriter } {
  const db = new Database(':memory:');
  for (const migration of migrations) {
    if (typeof migration === 'function') migration(db);
    else db.exec(migration);
  }
  return { db, writer: new BatchWriter(db, undefined) };
}

const claim = (generation: number): WriteBatch => ({
  at: 1,
  owner: 'me',
  generation,
  steps: [{ kind: 'claim', limit: 1, rooms: [{ type: 't', limit: 1 }] }],
});

describe('a batch sent behind one that rolled back', () => {
  it('is skipped, applying nothing, until the sender starts a new generation', () => {
    const { db, writer: w } = writer();
    w.commit({
      at: 0,
      owner: 'me',
      generation: 0,
      steps: [
        {
          kind: 'insert',
          jobs: [
            {
              type: 't',
              status: 'queued',
              payloadJson: '{}',
              priority: 0,
              runAt: 0,
              maxAttempts: 1,
              idempotencyKey: null,
              at: 0,
            },
          ],
        },
      ],
    });
    // The runner's own writes are not isolated: a refused claim rolls its whole batch back.
    db.exec(
      `CREATE TRIGGER refuse BEFORE UPDATE ON jobs BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`,
    );
    expect(() => w.commit(claim(0))).toThrow('disk on fire');
    db.exec('DROP TRIGGER refuse');
    // A batch of the same generation was built on the failed one: not applied.
    expect(() => w.commit(claim(0))).toThrow(SkippedBatch);
    expect(db.prepare('SELECT status FROM jobs').get()).toEqual({ status: 'queued' });
    // The next generation is applied.
    const result = w.commit(claim(1));
    expect(result.results[0]).toMatchObject({ ok: true, value: [{ id: '1', type: 't' }] });
    expect(db.prepare('SELECT status FROM jobs').get()).toEqual({ status: 'claimed' });
  });
});

describe("a run's own writes for an id that names no job", () => {
  it('answer false and change nothing', () => {
    const { writer: w } = writer();
    const result = w.commit({
      at: 1,
      owner: 'me',
      steps: [
        { kind: 'progress', id: 'x', version: 0, json: '{}' },
        { kind: 'checkpoint', id: '0', version: 0, json: '{}' },
        { kind: 'adopt', id: '99999999999999999', version: 0 },
        { kind: 'unadopt', id: '-1', version: 0 },
        { kind: 'progress', id: '5', version: 0, json: '{}' },
        { kind: 'adopt', id: '5', version: 0 },
        { kind: 'unadopt', id: '5', version: 0 },
      ],
    });
    expect(result.results.map((step) => step.ok && step.value)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

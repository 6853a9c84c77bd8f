import { describe, expect, it } from 'vitest';
import { migrations } from '../../../src/persistence/schema.js';
import { connection, migrate, migrated } from './jobTable.js';

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function insertJob(
  db: ReturnType<typeof migrated>,
  type: string,
  priority: number,
  trace: string | null = null,
): number {
  return Number(
    db
      .prepare(
        `INSERT INTO jobs (type, status, payload, priority, run_at, max_attempts, created_at, updated_at, last_event, trace_parent)
         VALUES (?, 'queued', '{}', ?, 1000, 3, 1000, 1000, 'ENQUEUE', ?)`,
      )
      .run(type, priority, trace).lastInsertRowid,
  );
}

describe('migration 9: the operators’ tables', () => {
  it('counts jobs by type, status and priority, and moves the count with a status change', () => {
    const db = migrated();
    insertJob(db, 'email', 0);
    insertJob(db, 'email', 5);
    const urgent = insertJob(db, 'email', 5);
    db.prepare(
      `UPDATE jobs SET status = 'claimed', version = version + 1, last_event = 'CLAIM' WHERE id = ?`,
    ).run(urgent);
    expect(
      db
        .prepare('SELECT type, status, priority, n FROM job_counts ORDER BY status, priority')
        .all(),
    ).toEqual([
      { type: 'email', status: 'claimed', priority: 5, n: 1 },
      { type: 'email', status: 'queued', priority: 0, n: 1 },
      { type: 'email', status: 'queued', priority: 5, n: 1 },
    ]);
  });

  it('back-fills the counts by priority from the jobs a version 8 file holds', () => {
    const db = connection();
    migrate(db, 8);
    for (const priority of [1, 1, 3]) {
      db.prepare(
        `INSERT INTO jobs (type, status, payload, priority, run_at, max_attempts, created_at, updated_at, last_event)
         VALUES ('sms', 'queued', '{}', ?, 1000, 3, 1000, 1000, 'ENQUEUE')`,
      ).run(priority);
    }
    db.exec(migrations[8] as string);
    expect(db.prepare('SELECT priority, n FROM job_counts ORDER BY priority').all()).toEqual([
      { priority: 1, n: 2 },
      { priority: 3, n: 1 },
    ]);
  });

  it('records a failed attempt as an error event with the job’s trace id', () => {
    const db = migrated();
    const id = insertJob(db, 'email', 0, traceparent);
    db.prepare(
      `UPDATE jobs SET status = 'retrying', version = version + 1, attempt = 1, last_event = 'FAIL',
         last_error = '{"name":"Error","message":"smtp down"}', last_event_has_error = 1, updated_at = 2000
       WHERE id = ?`,
    ).run(id);
    // A status change without an error records none.
    db.prepare(
      `UPDATE jobs SET status = 'queued', version = version + 1, last_event = 'DUE', last_event_has_error = 0 WHERE id = ?`,
    ).run(id);
    expect(db.prepare('SELECT * FROM error_events').all()).toEqual([
      {
        id: 1,
        at: 2000,
        source: 'job',
        subject: String(id),
        kind: 'FAIL',
        job_type: 'email',
        attempt: 1,
        error: '{"name":"Error","message":"smtp down"}',
        trace_id: '0af7651916cd43dd8448eb211c80319c',
        span_id: 'b7ad6b7169203331',
      },
    ]);
  });

  it('records an actor’s exit with an error and a breaker opening, and nothing else', () => {
    const db = migrated();
    const actorEvent = db.prepare(
      `INSERT INTO actor_events (actor_id, supervisor_id, kind, reason, at, restarts, error)
       VALUES ('ws', 'root', ?, ?, 3000, 0, ?)`,
    );
    actorEvent.run('started', null, null);
    actorEvent.run('exited', 'abnormal', '{"name":"Error","message":"socket closed"}');
    const breakerEvent = db.prepare(
      `INSERT INTO breaker_events (name, from_state, to_state, at, open_until, cause)
       VALUES ('smtp', ?, ?, 4000, NULL, ?)`,
    );
    breakerEvent.run(null, 'closed', null);
    breakerEvent.run('closed', 'open', '{"rule":"consecutive","failures":5}');
    breakerEvent.run('open', 'half-open', null);
    expect(db.prepare('SELECT source, subject, kind, error FROM error_events').all()).toEqual([
      {
        source: 'actor',
        subject: 'ws',
        kind: 'exited',
        error: '{"name":"Error","message":"socket closed"}',
      },
      {
        source: 'breaker',
        subject: 'smtp',
        kind: 'opened',
        error: '{"rule":"consecutive","failures":5}',
      },
    ]);
  });

  it('refuses a command in a status other than pending, done or failed', () => {
    const db = migrated();
    expect(() =>
      db
        .prepare(
          `INSERT INTO commands (kind, target, issued_at, issued_by, status) VALUES ('job.replay', '1', 1, 'cli', 'lost')`,
        )
        .run(),
    ).toThrow(/CHECK constraint/);
  });
});

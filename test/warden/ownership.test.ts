import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DatabaseError, NotRunningError, type WardenEvent } from '../../src/index.js';
import { ownerHeartbeatMs, ownerStaleAfterMs } from '../../src/supervisor/ownership.js';
import { deferred, t0, tempDatabase, testWarden } from '../helpers.js';

interface OwnerRow {
  token: string;
  pid: number;
  host: string;
  process_started_at: number;
  started_at: number;
  heartbeat_at: number;
}

/** Runs `fn` on a second connection to the file: what another process would do. */
function raw<T>(filename: string, fn: (db: Database.Database) => T): T {
  const db = new Database(filename);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function ownerOf(filename: string): OwnerRow | undefined {
  return raw(filename, (db) => db.prepare<[], OwnerRow>('SELECT * FROM owner').get());
}

/** A job's status as the file holds it, read by a second connection. */
function statusInFile(filename: string, id: string): string | undefined {
  return raw(filename, (db) =>
    db.prepare<[string], { status: string }>('SELECT status FROM jobs WHERE id = ?').get(id),
  )?.status;
}

/** A file with Warden's schema, one job left `running`, and `owner` as its owner row. */
async function fileLeftBy(owner: Omit<OwnerRow, 'token' | 'process_started_at'>): Promise<string> {
  const filename = tempDatabase();
  const { warden } = testWarden({ database: filename });
  await warden.start();
  await warden.stop();
  raw(filename, (db) => {
    db.prepare(
      `INSERT INTO jobs (type, status, payload, priority, run_at, attempt, max_attempts, version,
         created_at, updated_at, started_at, last_event)
       VALUES ('work', 'running', '{}', 0, ${t0}, 1, 3, 1, ${t0}, ${t0}, ${t0}, 'START')`,
    ).run();
    db.prepare(
      `INSERT INTO owner (id, token, pid, host, process_started_at, started_at, heartbeat_at)
       VALUES (1, 'the-other-warden', ?, ?, ?, ?, ?)`,
    ).run(owner.pid, owner.host, owner.started_at - 1000, owner.started_at, owner.heartbeat_at);
  });
  return filename;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

function sha256(filename: string): string {
  return createHash('sha256').update(readFileSync(filename)).digest('hex');
}

describe('one Warden per database file', () => {
  it('refuses a second Warden in this process, leaving the first one’s running job alone', async () => {
    const filename = tempDatabase();
    const first = testWarden({ database: filename });
    const gate = deferred();
    first.warden.defineJob('work', { run: () => gate.promise });
    await first.warden.start();
    const job = await first.warden.enqueue('work', {});
    await first.clock.settle();
    expect((await first.warden.getJob(job.id))?.status).toBe('running');

    const second = testWarden({ database: filename, clock: first.clock });
    const events: WardenEvent[] = [];
    second.warden.events$.subscribe((event) => events.push(event));
    second.warden.defineJob('work', { run: () => 'never' });
    const refused = await second.warden.start().catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(DatabaseError);
    expect((refused as DatabaseError).code).toBe('DATABASE_IN_USE');
    expect((refused as DatabaseError).message).toContain(`\`${filename}\``);
    expect((refused as DatabaseError).message).toContain(
      `another Warden in this process (process ${process.pid} on host ${hostname()})`,
    );
    expect(events).toEqual([]);
    expect(await first.warden.getJob(job.id)).toMatchObject({ status: 'running', attempt: 1 });
    expect((await first.warden.getJobHistory(job.id)).map((entry) => entry.event)).toEqual([
      'ENQUEUE',
      'CLAIM',
      'START',
    ]);

    gate.resolve();
    await first.warden.waitForJob(job.id);
    await first.warden.stop();
    // Once the first has stopped, the file is free.
    await second.warden.start();
    expect(second.warden.health()).toMatchObject({
      lifecycle: 'running',
      checks: { supervision: { status: 'healthy' }, store: { writable: true } },
    });
  });

  it('refuses a file whose owner is a live process on this host, and leaves the file untouched', async () => {
    const filename = await fileLeftBy({
      pid: process.ppid,
      host: hostname(),
      started_at: t0 - 5000,
      heartbeat_at: t0 - 1000,
    });
    const before = sha256(filename);
    const { warden } = testWarden({ database: filename });
    warden.defineJob('work', { run: () => 'ok' });

    const refused = await warden.start().catch((error: unknown) => error);

    expect((refused as DatabaseError).code).toBe('DATABASE_IN_USE');
    expect((refused as DatabaseError).message).toContain(`process ${process.ppid}`);
    expect((refused as DatabaseError).message).toContain('1000 ms ago');
    expect(sha256(filename)).toBe(before);
    expect(ownerOf(filename)?.token).toBe('the-other-warden');
  });

  it('refuses a fresh owner on another host', async () => {
    const filename = await fileLeftBy({
      pid: 1,
      host: 'elsewhere',
      started_at: t0,
      heartbeat_at: t0,
    });
    const { warden } = testWarden({ database: filename });
    const refused = await warden.start().catch((error: unknown) => error);
    expect((refused as DatabaseError).code).toBe('DATABASE_IN_USE');
    expect((refused as DatabaseError).message).toContain('process 1 on host elsewhere');
  });

  // Issue 9 §5.7: the message gave a negative age for a heartbeat stamped ahead of this clock,
  // and named no host for an owner on this one.
  it('names the host of a live owner on this host', async () => {
    const filename = await fileLeftBy({
      pid: process.ppid,
      host: hostname(),
      started_at: t0 - 5000,
      heartbeat_at: t0 - 1000,
    });
    const { warden } = testWarden({ database: filename });

    const refused = await warden.start().catch((error: unknown) => error);

    expect((refused as DatabaseError).message).toBe(
      `\`${filename}\` is in use by process ${process.ppid} on host ${hostname()} (this host) (its last heartbeat was 1000 ms ago); one Warden owns a database file at a time, and the file was left untouched`,
    );
  });

  it('says a heartbeat is stamped ahead of its clock instead of giving a negative age', async () => {
    const filename = await fileLeftBy({
      pid: 1,
      host: 'elsewhere',
      started_at: t0,
      heartbeat_at: t0 + 1500,
    });
    const { warden } = testWarden({ database: filename });

    const refused = await warden.start().catch((error: unknown) => error);

    expect((refused as DatabaseError).code).toBe('DATABASE_IN_USE');
    expect((refused as DatabaseError).message).toBe(
      `\`${filename}\` is in use by process 1 on host elsewhere (its last heartbeat is stamped 1500 ms ahead of this Warden's clock: the two clocks disagree); one Warden owns a database file at a time, and the file was left untouched`,
    );
  });

  it.each([
    ['a process that has exited', () => ({ pid: deadPid(), host: hostname(), heartbeat_at: t0 })],
    [
      'a live process silent past the stale limit',
      () => ({ pid: process.ppid, host: hostname(), heartbeat_at: t0 - ownerStaleAfterMs - 1 }),
    ],
    [
      'another host silent past the stale limit',
      () => ({ pid: 1, host: 'elsewhere', heartbeat_at: t0 - ownerStaleAfterMs - 1 }),
    ],
  ])('takes over from %s and recovers its running job as stalled', async (_name, left) => {
    const filename = await fileLeftBy({ started_at: t0 - 90_000, ...left() });
    const { warden, clock } = testWarden({ database: filename });
    const stalled: string[] = [];
    warden.on('job.stalled', (event) => stalled.push(event.jobId));
    warden.defineJob('work', { run: () => 'ok' });

    await warden.start();
    await clock.settle();

    expect(stalled).toEqual(['1']);
    expect(ownerOf(filename)).toMatchObject({
      pid: process.pid,
      host: hostname(),
      started_at: t0,
      heartbeat_at: t0,
    });
    expect(ownerOf(filename)?.token).not.toBe('the-other-warden');
  });

  it('keeps a heartbeat while running and gives the file up on stop', async () => {
    const filename = tempDatabase();
    const { warden, clock } = testWarden({ database: filename });
    await warden.start();
    expect(ownerOf(filename)?.heartbeat_at).toBe(t0);

    await clock.advance(ownerHeartbeatMs);
    expect(ownerOf(filename)?.heartbeat_at).toBe(t0 + ownerHeartbeatMs);
    await clock.advance(ownerHeartbeatMs);
    expect(ownerOf(filename)?.heartbeat_at).toBe(t0 + 2 * ownerHeartbeatMs);

    await warden.stop();
    expect(ownerOf(filename)).toBeUndefined();
    expect(clock.pending()).toBe(0);
  });

  /** A started Warden on a file with one job running, its handler waiting on `gate`. */
  async function runningJob() {
    const filename = tempDatabase();
    const fatal: Error[] = [];
    const { warden, clock } = testWarden({
      database: filename,
      onFatal: (error) => fatal.push(error),
    });
    const gate = deferred<string>();
    warden.defineJob('work', { run: () => gate.promise });
    await warden.start();
    const job = await warden.enqueue('work', {});
    await clock.settle();
    const takeOver = (): void => {
      raw(filename, (db) => db.prepare(`UPDATE owner SET token = 'usurper', pid = 1`).run());
    };
    return { filename, fatal, warden, clock, gate, job, takeOver };
  }

  it('is down at once, without grace, when its heartbeat finds the file taken over', async () => {
    const { filename, fatal, warden, clock, gate, job, takeOver } = await runningJob();
    takeOver();

    await clock.advance(ownerHeartbeatMs);

    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toBeInstanceOf(DatabaseError);
    expect((fatal[0] as DatabaseError).code).toBe('DATABASE_IN_USE');
    expect((fatal[0] as DatabaseError).message).toContain('has taken');
    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      running: 0,
      checks: { supervision: { status: 'unhealthy' } },
      error: { code: 'DATABASE_IN_USE' },
    });
    await expect(warden.enqueue('work', {})).rejects.toBeInstanceOf(NotRunningError);

    // The handler ends later: its outcome is not written into a file that is no longer ours.
    gate.resolve('too late');
    await clock.settle();
    expect(statusInFile(filename, job.id)).toBe('running');
    await warden.stop();
    expect(fatal).toHaveLength(1);
    // The usurper's row is not ours to delete.
    expect(ownerOf(filename)?.token).toBe('usurper');
    expect(clock.pending()).toBe(0);
  });

  it('finds a takeover at its next commit, before the heartbeat, and writes nothing', async () => {
    const { filename, fatal, warden, clock, gate, job, takeOver } = await runningJob();
    takeOver();
    const historyBefore = raw(filename, (db) =>
      db.prepare('SELECT count(*) AS n FROM job_events').get(),
    );

    gate.resolve('done');
    await clock.settle();

    expect(fatal).toHaveLength(1);
    expect((fatal[0] as DatabaseError).code).toBe('DATABASE_IN_USE');
    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      error: { code: 'DATABASE_IN_USE' },
    });
    expect(raw(filename, (db) => db.prepare('SELECT count(*) AS n FROM job_events').get())).toEqual(
      historyBefore,
    );
    expect(statusInFile(filename, job.id)).toBe('running');
    await warden.stop();
    expect(clock.pending()).toBe(0);
  });

  it('gives the file up when its root supervisor gives up, so a standby can take over', async () => {
    const filename = tempDatabase();
    const { warden, clock } = testWarden({
      database: filename,
      supervision: { maxRestarts: 0, withinMs: 1000 },
      onFatal: () => undefined,
    });
    await warden.start();
    await warden.supervise({
      id: 'doomed',
      onExhausted: 'escalate', // into the root, which gives up
      start: () => Promise.reject(new Error('gone wrong')),
    });
    await clock.settle();
    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      checks: { supervision: { status: 'unhealthy', root: 'failed' } },
    });
    expect(ownerOf(filename)).toBeUndefined();
    const before = clock.pending();

    const standby = testWarden({ database: filename, clock });
    await standby.warden.start();
    expect(standby.warden.health().checks.supervision).toMatchObject({
      status: 'healthy',
      root: 'running',
    });
    // The standby's heartbeat, its poll of the commands table and its snapshots for the CLI.
    expect(clock.pending() - before).toBe(3);
  });

  it('has no owner for an in-memory database', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    await clock.settle();
    expect(clock.pending()).toBe(0);
  });
});

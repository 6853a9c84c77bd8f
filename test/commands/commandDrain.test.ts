import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createManualClock, createWarden, type Warden, type WardenEvent } from '../../src/index.js';
import { CommandFile } from '../../src/commands/commandFile.js';
import { openDatabase } from '../../src/persistence/sqlite/openDatabase.js';
import { commandsPerTick } from '../../src/supervisor/commands/commandDrain.js';
import { t0, tempDatabase } from '../helpers.js';

const pollMs = 250;

/** A started warden on a file with a manual clock; `flaky` jobs fail their first attempt for good. */
async function owner(database = tempDatabase()) {
  const clock = createManualClock(t0);
  const warden = createWarden({ database, clock, random: () => 0, commandPollMs: pollMs });
  const runs: string[] = [];
  warden.defineJob<{ n: number }>('flaky', {
    retry: { attempts: 1 },
    run: ({ n }, ctx) => {
      runs.push(`${n} ${ctx.attempt}`);
      if (runs.filter((r) => r.startsWith(`${n} `)).length === 1)
        throw new Error('first run fails');
    },
  });
  await warden.start();
  const file = CommandFile.open(database);
  const stop = async (): Promise<void> => {
    file.close();
    await warden.stop({ graceMs: 0 });
  };
  return { warden, clock, runs, file, database, stop };
}

/** A dead `flaky` job. */
async function deadJob(warden: Warden): Promise<string> {
  const job = await warden.enqueue('flaky', { n: 1 });
  expect((await warden.waitForJob(job.id)).status).toBe('dead');
  return job.id;
}

const issue = (file: CommandFile, kind: string, target: string, issuedBy = 'test') =>
  file.insert([{ kind, target, issuedAt: t0, issuedBy }])[0] as string;

describe('the owner carries out commands issued by other connections', () => {
  it('replays a dead job within commandPollMs, and marks the command done with the job', async () => {
    const { warden, clock, file, runs, stop } = await owner();
    try {
      const id = await deadJob(warden);
      const command = issue(file, 'job.replay', id);
      await clock.advance(pollMs - 1);
      expect(file.command(command)).toMatchObject({ status: 'pending', doneBy: null });

      await clock.advance(1);
      expect(file.command(command)).toMatchObject({
        status: 'done',
        result: { job: { id, type: 'flaky', status: 'queued', attempt: 0, maxAttempts: 1 } },
        doneAt: t0 + pollMs,
      });
      expect((await warden.waitForJob(id)).status).toBe('succeeded');
      expect(runs).toEqual(['1 1', '1 1']);
    } finally {
      await stop();
    }
  });

  it("fails a command the machine refuses, with the typed error's code and message, and records it", async () => {
    const { warden, clock, file, database, stop } = await owner();
    try {
      const job = await warden.enqueue('flaky', { n: 2 }, { delayMs: 60_000 });
      const command = issue(file, 'job.replay', job.id);
      const unknown = issue(file, 'job.explode', job.id);
      await clock.advance(pollMs);

      expect(file.command(command)).toMatchObject({
        status: 'failed',
        result: {
          name: 'InvalidTransitionError',
          code: 'INVALID_TRANSITION',
          message: `job ${job.id} is \`scheduled\`: cannot retry it`,
        },
      });
      expect(file.command(unknown)?.result).toMatchObject({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('Expected `kind` to be one of job.replay') as string,
      });
      const db = new Database(database, { readonly: true });
      const errors = db
        .prepare(
          "SELECT source, subject, kind, json_extract(error, '$.code') AS code FROM error_events WHERE source = 'command' ORDER BY id",
        )
        .all();
      db.close();
      expect(errors).toEqual([
        { source: 'command', subject: command, kind: 'job.replay', code: 'INVALID_TRANSITION' },
        { source: 'command', subject: unknown, kind: 'job.explode', code: 'INVALID_OPTION' },
      ]);
      expect((await warden.getJob(job.id))?.status).toBe('scheduled');
    } finally {
      await stop();
    }
  });

  it('cancels, pauses and resumes through the same API, recording who issued a pause', async () => {
    const { warden, clock, file, stop } = await owner();
    const events: string[] = [];
    warden.events$.subscribe((event: WardenEvent) => {
      if (event.type.startsWith('jobType.') && 'by' in event)
        events.push(`${event.type} ${event.by}`);
    });
    try {
      const later = await warden.enqueue('flaky', { n: 3 }, { delayMs: 60_000 });
      issue(file, 'job.cancel', later.id, 'cli pid 1');
      const pause = issue(file, 'type.pause', 'flaky', 'cli pid 2');
      await clock.advance(pollMs);
      expect((await warden.getJob(later.id))?.status).toBe('cancelled');
      expect(file.command(pause)?.result).toEqual({ type: 'flaky', paused: true, changed: true });
      expect(await warden.pausedJobTypes()).toEqual([
        { type: 'flaky', pausedAt: t0 + pollMs, pausedBy: 'cli pid 2' },
      ]);

      // Issued together on one target, they apply in the order issued.
      const again = issue(file, 'type.pause', 'flaky');
      const resume = issue(file, 'type.resume', 'flaky', 'cli pid 3');
      await clock.advance(pollMs);
      expect(file.command(again)?.result).toEqual({ type: 'flaky', paused: true, changed: false });
      expect(file.command(resume)?.result).toEqual({ type: 'flaky', paused: false, changed: true });
      expect(await warden.pausedJobTypes()).toEqual([]);
      expect(events).toEqual(['jobType.paused cli pid 2', 'jobType.resumed cli pid 3']);
    } finally {
      await stop();
    }
  });

  it('takes again a command a former owner took and never finished, and never one withdrawn', async () => {
    const database = tempDatabase();
    const first = await owner(database);
    const id = await deadJob(first.warden);
    await first.stop();

    // As a former owner that took a command and died before marking it, and an issuer that gave up.
    const raw = new Database(database);
    raw
      .prepare(
        "INSERT INTO commands (kind, target, issued_at, issued_by, done_by) VALUES ('job.replay', ?, ?, 'test', 'a-dead-owner')",
      )
      .run(id, t0);
    raw
      .prepare(
        "INSERT INTO commands (kind, target, issued_at, issued_by, status, result, done_by) VALUES ('type.pause', 'flaky', ?, 'test', 'failed', 'null', 'test')",
      )
      .run(t0);
    raw.close();

    const second = await owner(database);
    try {
      await second.clock.advance(pollMs);
      expect(second.file.command('1')).toMatchObject({
        status: 'done',
        doneBy: expect.any(String) as string,
      });
      expect(second.file.command('1')?.doneBy).not.toBe('a-dead-owner');
      expect(second.file.command('2')).toMatchObject({ status: 'failed', doneBy: 'test' });
      expect(await second.warden.pausedJobTypes()).toEqual([]);
      // Carried out once: one replay in the job's history, however many ticks pass.
      await second.clock.advance(pollMs * 4);
      const replays = (await second.warden.getJobHistory(id)).filter((e) => e.event === 'REPLAY');
      expect(replays).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('drains a backlog larger than one tick without waiting a poll between ticks', async () => {
    const { warden, clock, file, stop } = await owner();
    try {
      const ids: string[] = [];
      for (let i = 0; i < commandsPerTick + 20; i++) ids.push(issue(file, 'type.pause', `t${i}`));
      await clock.advance(pollMs);
      expect(ids.map((id) => file.command(id)?.status)).toEqual(ids.map(() => 'done'));
      expect(await warden.pausedJobTypes()).toHaveLength(commandsPerTick + 20);
    } finally {
      await stop();
    }
  });

  it('takes no command once stopping, and leaves it pending for the next owner', async () => {
    const { warden, clock, file, stop } = await owner();
    const command = issue(file, 'type.pause', 'flaky');
    await warden.stop({ graceMs: 0 });
    await clock.advance(pollMs * 2);
    expect(file.command(command)).toMatchObject({ status: 'pending', doneBy: null });
    await stop();
  });

  it('finds pending commands by walking their partial index, never scanning the table', () => {
    const db = openDatabase(tempDatabase(), 'normal', undefined);
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT * FROM commands INDEXED BY commands_pending WHERE status = 'pending' ORDER BY id LIMIT 100",
      )
      .all() as { detail: string }[];
    db.close();
    expect(plan.map((row) => row.detail)).toEqual(['SCAN commands USING INDEX commands_pending']);
  });
});

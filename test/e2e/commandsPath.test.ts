/**
 * The commands path with a live owner in another process: this process issues replays, a cancel,
 * a pause and a resume, actor commands and a bulk replay through the `commands` table, and sees
 * the owner carry each out through its own API (the machines' rules applied), or time out.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CommandTimeoutError,
  InvalidTransitionError,
  issueCommand,
  replayAllDead,
  type CommandProgress,
} from '../../src/index.js';
import { rejection, tempDir } from '../helpers.js';
import { startLineProcess, type LineProcess } from './lineProcess.js';

const script = fileURLToPath(new URL('./fixtures/commandOwner.ts', import.meta.url));

const owners: LineProcess[] = [];
afterEach(async () => {
  for (const owner of owners.splice(0)) await owner.kill();
});

function startOwner(mode: 'serve' | 'deaf', database: string): LineProcess {
  const owner = startLineProcess(script, [mode, database]);
  owners.push(owner);
  return owner;
}

function read<T>(database: string, sql: string, ...params: unknown[]): T {
  const db = new Database(database, { readonly: true });
  try {
    return db.prepare(sql).get(...params) as T;
  } finally {
    db.close();
  }
}

describe('the commands path, with a live owner in another process', () => {
  it(
    'has the owner pause, resume, replay and cancel, and refuse what its machines refuse',
    { timeout: 60_000 },
    async () => {
      const database = join(tempDir(), 'owned.db');
      const owner = startOwner('serve', database);
      const ids = JSON.parse((await owner.line('ready')).slice('ready '.length)) as Record<
        'flaky' | 'later' | 'held',
        string
      >;

      // Paused before its job is due: once due it waits, queued, with no attempt spent.
      const pause = await issueCommand(database, { kind: 'type.pause', target: 'held' });
      expect(pause).toMatchObject({
        kind: 'type.pause',
        result: { type: 'held', paused: true, changed: true },
        via: 'owner',
      });
      await owner.line('jobType.paused held');
      await owner.line(`job.queued ${ids.held}`);
      const held = (): unknown =>
        read(database, 'SELECT status, attempt FROM jobs WHERE id = ?', Number(ids.held));
      expect(held()).toEqual({ status: 'queued', attempt: 0 });

      const replay = await issueCommand(database, { kind: 'job.replay', target: ids.flaky });
      expect(replay.result).toEqual({
        job: { id: ids.flaky, type: 'flaky', status: 'queued', attempt: 0, maxAttempts: 1 },
      });
      await owner.line(`job.succeeded ${ids.flaky}`);
      const again = await rejection(() =>
        issueCommand(database, { kind: 'job.replay', target: ids.flaky }),
      );
      expect(again).toBeInstanceOf(InvalidTransitionError);
      expect((again as Error).message).toBe(`job ${ids.flaky} is \`succeeded\`: cannot retry it`);

      const cancel = await issueCommand(database, { kind: 'job.cancel', target: ids.later });
      expect(cancel.result).toMatchObject({ job: { id: ids.later, status: 'cancelled' } });
      await owner.line(`job.cancelled ${ids.later}`);

      // Still waiting after everything else ran; resumed, it runs at once.
      expect(held()).toEqual({ status: 'queued', attempt: 0 });
      const resume = await issueCommand(database, { kind: 'type.resume', target: 'held' });
      expect(resume.result).toEqual({ type: 'held', paused: false, changed: true });
      await owner.line(`job.succeeded ${ids.held}`);
      expect(held()).toEqual({ status: 'succeeded', attempt: 1 });
      expect(owner.lines.filter((l) => l.startsWith('jobType.'))).toEqual([
        'jobType.paused held',
        'jobType.resumed held',
      ]);
    },
  );

  it('has the owner stop and restart an actor it runs', { timeout: 60_000 }, async () => {
    const database = join(tempDir(), 'actors.db');
    const owner = startOwner('serve', database);
    await owner.line('ready');
    const stop = await issueCommand(database, { kind: 'actor.stop', target: 'ticker' });
    expect(stop.result).toEqual({ actorId: 'ticker', state: 'stopped' });
    await owner.line('actor.stopped ticker');
    const restart = await issueCommand(database, { kind: 'actor.restart', target: 'ticker' });
    expect(restart.result).toEqual({ actorId: 'ticker', state: 'restarted' });
    await owner.line('actor.resumed ticker');
    const unknown = await rejection(() =>
      issueCommand(database, { kind: 'actor.restart', target: 'nobody' }),
    );
    expect(unknown).toMatchObject({ code: 'ACTOR_NOT_FOUND' });
  });

  it(
    'replays every dead job of a type through the owner, with progress',
    { timeout: 60_000 },
    async () => {
      const database = join(tempDir(), 'bulk.db');
      const owner = startOwner('serve', database);
      await owner.line('ready');
      const progress: CommandProgress[] = [];
      const result = await replayAllDead(
        database,
        { type: 'doomed' },
        { onProgress: (p) => progress.push(p) },
      );
      expect(result).toEqual({ total: 3, replayed: 3, failed: [], via: 'owner' });
      expect(progress.map((p) => p.finished)).toEqual([1, 2, 3]);
      for (let n = 0; n < 3; n++) await owner.line(`job.succeeded`);
      await expect
        .poll(() =>
          read(
            database,
            "SELECT count(*) AS n FROM jobs WHERE type = 'doomed' AND status = 'succeeded'",
          ),
        )
        .toEqual({ n: 3 });
    },
  );

  it(
    'withdraws a command the owner did not take in time, so it is never carried out',
    { timeout: 60_000 },
    async () => {
      const database = join(tempDir(), 'deaf.db');
      const owner = startOwner('deaf', database);
      await owner.line('ready');
      const error = await rejection(() =>
        issueCommand(database, { kind: 'type.pause', target: 'x' }, { timeoutMs: 300 }),
      );
      expect(error).toBeInstanceOf(CommandTimeoutError);
      expect(error).toMatchObject({ code: 'COMMAND_TIMEOUT', withdrawn: true, timeoutMs: 300 });
      expect((error as Error).message).toMatch(
        /^the owner of `.*deaf\.db`, process \d+ on host .* \(this host\) .*, did not answer command 1 \(type\.pause `x`\) within 300 ms; the command was withdrawn and will not be carried out$/,
      );
      expect(
        read(
          database,
          "SELECT status, json_extract(result, '$.code') AS code FROM commands WHERE id = 1",
        ),
      ).toEqual({ status: 'failed', code: 'COMMAND_TIMEOUT' });
    },
  );
});

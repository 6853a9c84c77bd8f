/**
 * Claim-ahead across crashes, with real processes: jobs claimed ahead of a busy slot survive a
 * SIGKILL unharmed (no attempt spent), and a handler that kills its process before its `running`
 * write commits ends `dead` within the documented bound of restarts: maxStalls + maxAttempts.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/claimWorker.ts', import.meta.url));

interface Run {
  readonly lines: string[];
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  kill(): void;
  line(prefix: string): Promise<string>;
}

function run(mode: string, database: string): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', script, mode, database], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.filter((w) => line.startsWith(w.prefix))) waiter.resolve(line);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.once('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    lines,
    exit,
    kill: () => child.kill('SIGKILL'),
    line: (prefix) =>
      new Promise((resolve, reject) => {
        const seen = lines.find((line) => line.startsWith(prefix));
        if (seen !== undefined) resolve(seen);
        waiters.push({ prefix, resolve });
        void exit.then((e) =>
          reject(new Error(`exited (${e.code}/${e.signal}) first:\n${e.stderr}`)),
        );
      }),
  };
}

describe('claim-ahead across crashes', () => {
  it(
    'returns jobs claimed but never started to the queue, with no attempt spent',
    { timeout: 30_000 },
    async () => {
      const database = join(tempDir(), 'claimed.db');
      const first = run('hold', database);
      expect(await first.line('claimed ')).toBe('claimed 5');
      first.kill();
      expect((await first.exit).signal).toBe('SIGKILL');

      const db = new Database(database, { readonly: true });
      const before = db
        .prepare("SELECT status, attempt, max_attempts, stalls FROM jobs WHERE type = 'once'")
        .all();
      db.close();
      expect(before).toEqual(
        Array.from({ length: 5 }, () => ({
          status: 'claimed',
          attempt: 0,
          max_attempts: 1,
          stalls: 0,
        })),
      );

      const second = run('finish', database);
      const exit = await second.exit;
      expect(exit.code, exit.stderr).toBe(0);
      expect(second.lines.at(-1)).toBe(
        `done ${JSON.stringify({ scheduled: 0, queued: 0, claimed: 0, running: 0, retrying: 0, succeeded: 5, cancelled: 0, dead: 0 })}`,
      );
      const after = new Database(database, { readonly: true });
      const once = after
        .prepare("SELECT status, attempt, stalls FROM jobs WHERE type = 'once' ORDER BY id")
        .all();
      const history = after
        .prepare(
          "SELECT e.from_status AS f, e.to_status AS t, e.event AS e FROM job_events e JOIN jobs j ON j.id = e.job_id WHERE j.type = 'once' AND j.id = (SELECT min(id) FROM jobs WHERE type = 'once') ORDER BY e.version",
        )
        .all();
      after.close();
      // The recovery counted a stall; the start that committed cleared it (stalls count a run of them).
      expect(once).toEqual(
        Array.from({ length: 5 }, () => ({ status: 'succeeded', attempt: 1, stalls: 0 })),
      );
      expect(history).toEqual([
        { f: null, t: 'queued', e: 'ENQUEUE' },
        { f: 'queued', t: 'claimed', e: 'CLAIM' },
        { f: 'claimed', t: 'queued', e: 'RECOVER' },
        { f: 'queued', t: 'claimed', e: 'CLAIM' },
        { f: 'claimed', t: 'running', e: 'START' },
        { f: 'running', t: 'succeeded', e: 'SUCCEED' },
      ]);
    },
  );

  it(
    'dead-letters a handler that exits its process synchronously after maxStalls + maxAttempts restarts',
    { timeout: 60_000 },
    async () => {
      const database = join(tempDir(), 'exit.db');
      // claimWorker.ts: maxStalls 2, the job's attempts 2; so dead after 4 restarts (5 runs in all).
      const exits: (number | null)[] = [];
      let dead: string | undefined;
      for (let runs = 0; runs < 10 && dead === undefined; runs++) {
        const worker = run('exit', database);
        const exit = await worker.exit;
        exits.push(exit.code);
        dead = worker.lines.find((line) => line.startsWith('dead '));
        if (dead === undefined) expect(exit.code, exit.stderr).toBe(3);
      }
      expect(exits).toEqual([3, 3, 3, 3, 0]);
      expect(JSON.parse(dead!.slice('dead '.length))).toMatchObject({
        status: 'dead',
        attempt: 2,
        stalls: 4,
        error: { code: 'JOB_STALLED' },
      });
      const db = new Database(database, { readonly: true });
      const events = db.prepare('SELECT event FROM job_events ORDER BY job_id, version').all();
      db.close();
      expect(events.map((row) => (row as { event: string }).event)).toEqual([
        'ENQUEUE',
        'CLAIM',
        'RECOVER',
        'CLAIM',
        'RECOVER',
        'CLAIM',
        'RECOVER', // the third recovery goes past maxStalls: a stalled attempt, retrying
        'DUE',
        'CLAIM',
        'RECOVER', // the last attempt's: dead
      ]);
    },
  );
});

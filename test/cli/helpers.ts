import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import {
  createManualClock,
  createWarden,
  supervisor,
  type ManualClock,
  UnrecoverableError,
  worker,
} from '../../src/index.js';
import { runCli } from '../../src/cli/program.js';
import { t0 } from '../helpers.js';

export { t0 };

const root = fileURLToPath(new URL('../../', import.meta.url));
const mainScript = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/**
 * A fresh temporary directory kept for the whole file (test/helpers.ts's `tempDir` is removed
 * after each test), removed after the file's last test. Call it at the top level of a file.
 */
export function fileScratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** What one run of the CLI printed and exited with. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How an in-process run is set up. */
export interface CliOptions {
  /** Whether stderr is a terminal (progress drawn). @default false */
  readonly tty?: boolean;
  /** The clock; each write to stderr advances a manual one by 200 ms, so each progress update draws. */
  readonly clock?: ManualClock;
  /** Receives the handler the CLI installs for Ctrl-C. */
  readonly interrupt?: (onSignal: () => void) => void;
}

/** Runs `warden <args>` in this process (what coverage sees), with stderr not a terminal. */
export async function cli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const clock = options.clock ?? createManualClock(t0);
  const code = await runCli(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
      void clock.advance(200);
    },
    stderrIsTTY: options.tty === true,
    clock,
    hold: () => () => undefined,
    onInterrupt: (onSignal) => {
      options.interrupt?.(onSignal);
      return () => undefined;
    },
  });
  return { code, stdout, stderr };
}

/** Runs `warden <args>` as a child process, as an operator's shell would (through tsx). */
export function spawnCli(args: readonly string[], cwd = root): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', mainScript, ...args],
      { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The jobs `preparedDatabase` leaves, by what became of them. */
export const prepared = {
  /** `email.send` jobs 1–5: succeeded. */
  succeeded: ['1', '2', '3', '4', '5'],
  /** `report.build` jobs 6 and 7: dead after an UnrecoverableError. */
  dead: ['6', '7'],
  /** `email.send` job 8: scheduled an hour ahead. */
  scheduled: ['8'],
} as const;

/**
 * A database file written by a real Warden, then stopped: five `email.send` jobs succeeded, two
 * `report.build` jobs dead (one bounce each), one `email.send` scheduled an hour ahead; breaker
 * `smtp` opened by two failures; the tree `importer` dead-lettered when its child `feed` crashed.
 */
export async function preparedDatabase(dir: string, name = 'jobs.db'): Promise<string> {
  const database = join(dir, name);
  const clock = createManualClock(t0);
  const warden = createWarden({ database, clock, random: () => 0 });
  warden.defineJob<{ to: string }, { sent: string }>('email.send', {
    run: (payload) => ({ sent: payload.to }),
  });
  warden.defineJob<{ report: string }>('report.build', {
    retry: { attempts: 3 },
    run: (payload) => {
      throw new UnrecoverableError(`no data for ${payload.report}`);
    },
  });
  await warden.start();
  const jobs = await warden.enqueueMany([
    ...[1, 2, 3, 4, 5].map((i) => ({
      type: 'email.send',
      payload: { to: `user${i}@example.com` },
      options: { priority: i === 3 ? 10 : 0 },
    })),
    { type: 'report.build', payload: { report: 'monthly-2024-01' } },
    { type: 'report.build', payload: { report: 'monthly-2024-02' } },
  ]);
  await Promise.all(jobs.map((job) => warden.waitForJob(job.id)));
  await warden.enqueue('email.send', { to: 'later@example.com' }, { delayMs: 3_600_000 });
  const smtp = warden.breaker('smtp', { minimumCalls: 2, window: { type: 'count', size: 4 } });
  for (let i = 0; i < 2; i++) {
    await smtp.call(() => Promise.reject(new Error('421 busy'))).catch(() => undefined);
  }
  const feed = worker({ id: 'feed', start: () => Promise.reject(new Error('feed unreachable')) });
  await warden.supervise(supervisor({ id: 'importer', maxRestarts: 0, children: [feed] }));
  await clock.advance(1000);
  await warden.stop();
  return database;
}

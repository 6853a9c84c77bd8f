/**
 * Crash safety end to end: a worker process is SIGKILLed mid-run, a fresh one is started on the
 * same database file, and the file must then tell a consistent story — every job terminal, once,
 * with a contiguous history of legal transitions only.
 *
 * The test never sleeps: it waits on the workers' stdout lines and exit events.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { jobTransitions } from '../../src/machines/jobTransitions.js';
import type { JobMachineEvent, JobStatus } from '../../src/machines/jobMachine.js';
import { tempDir } from '../helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const workerScript = fileURLToPath(new URL('./fixtures/crashWorker.ts', import.meta.url));

/** Jobs the worker enqueues (see fixtures/crashWorker.ts). */
const jobCount = 300;
/** Kill the first worker once it reports this many successes. */
const killAfter = 40;

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running worker process and what it has said so far. */
class Worker {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;
  private stderr = '';
  private readonly watchers: { test: (line: string) => boolean; resolve: (l: string) => void }[] =
    [];

  constructor(database: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', workerScript, database], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => (this.stderr += chunk));
    const lineReader = createInterface({ input: this.child.stdout! });
    lineReader.on('line', (line) => {
      this.lines.push(line);
      for (const watcher of [...this.watchers]) {
        if (watcher.test(line)) {
          this.watchers.splice(this.watchers.indexOf(watcher), 1);
          watcher.resolve(line);
        }
      }
    });
    const closed = new Promise<void>((resolve) => lineReader.once('close', resolve));
    this.exited = new Promise<Exit>((resolve, reject) => {
      this.child.once('error', reject);
      // 'close' fires after stdout and stderr have ended, so every line has been seen.
      this.child.once('close', (code, signal) => {
        void closed.then(() => resolve({ code, signal }));
      });
    });
  }

  /** Resolves with the first line (already seen or still to come) that passes `test`. */
  waitForLine(test: (line: string) => boolean): Promise<string> {
    const seen = this.lines.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.watchers.push({ test, resolve });
      void this.exited.then((exit) => {
        reject(
          new Error(
            `the worker exited (${JSON.stringify(exit)}) before the awaited line; stdout tail:\n` +
              `${this.lines.slice(-5).join('\n')}\nstderr:\n${this.stderr}`,
          ),
        );
      }, reject);
    });
  }

  /** The process's stderr so far, for failure messages. */
  get errors(): string {
    return this.stderr;
  }
}

interface JobRow {
  id: number;
  type: string;
  status: JobStatus;
  payload: string;
  idempotency_key: string | null;
  attempt: number;
  max_attempts: number;
  version: number;
}

interface EventRow {
  job_id: number;
  version: number;
  from_status: JobStatus | null;
  to_status: JobStatus;
  event: JobMachineEvent['type'] | 'ENQUEUE';
  attempt: number;
}

const terminal = new Set<JobStatus>(['succeeded', 'cancelled', 'dead']);

describe('a worker killed mid-run', () => {
  it(
    'is recovered by a fresh process on the same file: every job terminal, once, legally',
    {
      timeout: 20_000,
    },
    async () => {
      const database = join(tempDir(), 'crash.db');

      // 1. Run until some jobs have succeeded, then kill the process without warning.
      const first = new Worker(database);
      await first.waitForLine((line) => line.startsWith('enqueued '));
      expect(first.lines).toContain(`enqueued new=${jobCount} total=${jobCount}`);
      await first.waitForLine((line) => line === `succeeded ${killAfter}`);
      first.child.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(first.lines.some((line) => line.startsWith('done'))).toBe(false);

      // 2. A fresh process on the same file recovers the stalled jobs and finishes the rest.
      const second = new Worker(database);
      const exit = await second.exited;
      expect(exit, `second worker stderr:\n${second.errors}`).toEqual({ code: 0, signal: null });
      const stalledLine = second.lines.find((line) => line.startsWith('started stalled='));
      expect(Number(stalledLine?.slice('started stalled='.length))).toBeGreaterThan(0);
      expect(second.lines).toContain(`enqueued new=0 total=${jobCount}`);
      expect(second.lines.at(-1)).toMatch(/^done /);

      // 3. The file tells a consistent story.
      const db = new Database(database, { readonly: true, fileMustExist: true });
      try {
        const jobs = db.prepare<[], JobRow>('SELECT * FROM jobs ORDER BY id').all();
        const events = db
          .prepare<[], EventRow>('SELECT * FROM job_events ORDER BY job_id, version')
          .all();

        // Every job exactly once, by idempotency key.
        expect(jobs).toHaveLength(jobCount);
        const keys = new Map<string, number>();
        for (const job of jobs) {
          expect(job.idempotency_key).not.toBeNull();
          keys.set(job.idempotency_key!, (keys.get(job.idempotency_key!) ?? 0) + 1);
        }
        expect(keys.size).toBe(jobCount);
        expect([...keys.values()].every((n) => n === 1)).toBe(true);

        // Every job terminal: doomed ones dead, the rest succeeded.
        for (const job of jobs) {
          const payload = JSON.parse(job.payload) as { doomed: boolean };
          expect(job.status, `job ${job.id}`).toBe(payload.doomed ? 'dead' : 'succeeded');
          expect(job.attempt, `job ${job.id}`).toBeLessThanOrEqual(job.max_attempts);
        }

        // Only legal transitions: ENQUEUE creates, everything else is in the machine's table.
        const illegal = events.filter((row) =>
          row.event === 'ENQUEUE'
            ? row.from_status !== null || row.version !== 0 || row.to_status !== 'queued'
            : row.from_status === null ||
              !jobTransitions.targetsOn(row.from_status, row.event).includes(row.to_status),
        );
        expect(illegal).toEqual([]);

        // Each job's history is one unbroken chain ending where the job is.
        const byJob = new Map<number, EventRow[]>();
        for (const row of events) {
          const list = byJob.get(row.job_id) ?? [];
          list.push(row);
          byJob.set(row.job_id, list);
        }
        expect(byJob.size).toBe(jobCount);
        for (const job of jobs) {
          const chain = byJob.get(job.id) ?? [];
          const where = `job ${job.id}: ${chain.map((r) => `${r.event}->${r.to_status}`).join(' ')}`;
          expect(chain[0]?.event, where).toBe('ENQUEUE');
          chain.forEach((row, index) => {
            expect(row.version, where).toBe(index);
            if (index > 0) expect(row.from_status, where).toBe(chain[index - 1]!.to_status);
          });
          const last = chain.at(-1)!;
          expect(last.to_status, where).toBe(job.status);
          expect(last.version, where).toBe(job.version);
          expect(
            chain.filter((row) => terminal.has(row.to_status)),
            where,
          ).toHaveLength(1);
          expect(
            chain.filter((row) => row.event === 'START'),
            where,
          ).toHaveLength(job.attempt);
        }

        // The kill landed mid-run: some job was found running and stalled.
        const stalls = events.filter((row) => row.event === 'STALL');
        expect(stalls.length).toBeGreaterThan(0);
        expect(stalls.length).toBe(Number(stalledLine?.slice('started stalled='.length)));
        // Retries happened, both from failures and from stalls.
        expect(events.some((row) => row.event === 'FAIL' && row.to_status === 'retrying')).toBe(
          true,
        );
      } finally {
        db.close();
      }
    },
  );
});

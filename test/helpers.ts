import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter } from 'rxjs';
import { afterEach, expect } from 'vitest';
import {
  createManualClock,
  createWarden,
  InvalidOptionError,
  isJobEvent,
  type JobEvent,
  type ManualClock,
  type Warden,
  type WardenOptions,
} from '../src/index.js';

/** When a `testWarden()`'s manual clock starts. */
export const t0 = 1_700_000_000_000;

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-test-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A path for a database file in a fresh temporary directory. */
export function tempDatabase(): string {
  return join(tempDir(), 'jobs.db');
}

/** A Warden on an in-memory database (unless `database` is given) with a manual clock; stopped after the test. */
export function testWarden(options: WardenOptions = {}): { warden: Warden; clock: ManualClock } {
  const clock = (options.clock as ManualClock | undefined) ?? createManualClock(t0);
  const warden = createWarden({ database: ':memory:', random: () => 0, ...options, clock });
  cleanups.push(() => warden.stop({ graceMs: 0 }));
  return { warden, clock };
}

/** A promise with its resolve and reject exposed. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Collects `warden`'s job events from now on, each as `format` writes it (`job.started 1` by default). */
export function traceJobs(
  warden: Warden,
  format: (event: JobEvent) => string = (event) => `${event.type} ${event.attempt}`,
): string[] {
  const lines: string[] = [];
  warden.events$.pipe(filter(isJobEvent)).subscribe((event) => lines.push(format(event)));
  return lines;
}

/** What `call` throws or rejects with; fails the test when it does neither. */
export async function rejection(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw or a rejection');
}

/** The message of the `InvalidOptionError` that `fn` throws; fails the test when it throws nothing, or something else. */
export function invalidOption(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return (error as InvalidOptionError).message;
  }
  throw new Error('expected an InvalidOptionError');
}

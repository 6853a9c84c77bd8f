import Database from 'better-sqlite3';
import { afterEach, expect } from 'vitest';
import type { WardenError } from '../../src/errors.js';
import { SqliteStore } from '../../src/persistence/sqliteStore.js';
import type {
  BatchStep,
  ClaimedJob,
  ClaimRoom,
  Job,
  NewJob,
  OwnershipClaim,
  StatusChange,
  StepResult,
  StepValues,
} from '../../src/persistence/Store.js';
import { tempDatabase } from '../helpers.js';

// Shared by the store's tests: opening stores (closed after each test), building batches, and
// reading a file behind the store's back, as another process would.

/** The token every batch of these tests names as its owner (stores opened without a claim check none). */
export const owner = 'test-owner';

/** Where a store keeps its data: `:memory:` writes inline, a file through the writer thread. */
export type Where = 'memory' | 'file';

/** Both kinds of store, for `describe.each`. */
export const everywhere: readonly Where[] = ['memory', 'file'];

const opened: SqliteStore[] = [];

afterEach(async () => {
  for (const store of opened.splice(0).reverse()) await store.close();
});

/** A filename for `where`: `:memory:`, or a new file in a temporary directory. */
export function filenameFor(where: Where): string {
  return where === 'memory' ? ':memory:' : tempDatabase();
}

/** An open store on `filename` (`:memory:` by default), closed after the test. */
export function openStore(filename = ':memory:', claim?: OwnershipClaim): SqliteStore {
  const store = new SqliteStore({ filename, synchronous: 'normal' });
  opened.push(store);
  store.open(claim);
  return store;
}

/** A queued `email` job, as `enqueue()` hands it to the store. */
export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    type: 'email',
    status: 'queued',
    payloadJson: '{"to":"ada@example.com"}',
    priority: 0,
    runAt: 1000,
    maxAttempts: 3,
    idempotencyKey: null,
    at: 1000,
    ...overrides,
  };
}

/** Commits one batch at `at` and gives back each step's result. */
export async function commit(
  store: SqliteStore,
  at: number,
  ...steps: BatchStep[]
): Promise<StepResult[]> {
  const { results } = await store.commit({ at, owner, steps });
  expect(results).toHaveLength(steps.length);
  return [...results];
}

/** The value of a step that must have been applied. */
export function valueOf<K extends BatchStep['kind']>(
  result: StepResult | undefined,
  kind: K,
): StepValues[K] {
  if (result === undefined) throw new Error(`no result for the ${kind} step`);
  if (!result.ok) throw result.error;
  return result.value as StepValues[K];
}

/** Commits one step at `at` and gives back its value (failing the test if it was refused). */
export async function step<K extends BatchStep['kind']>(
  store: SqliteStore,
  at: number,
  batchStep: BatchStep & { readonly kind: K },
): Promise<StepValues[K]> {
  const [result] = await commit(store, at, batchStep);
  return valueOf(result, batchStep.kind);
}

/** Inserts jobs in one commit at `at`; the id of each, or the job that held its key. */
export async function insert(
  store: SqliteStore,
  at: number,
  ...jobs: NewJob[]
): Promise<StepValues['insert']> {
  return step(store, at, { kind: 'insert', jobs });
}

/** Inserts one job that must be created; its id. */
export async function insertOne(
  store: SqliteStore,
  overrides: Partial<NewJob> = {},
  at = overrides.at ?? 1000,
): Promise<string> {
  const [result] = await insert(store, at, newJob(overrides));
  if (result === undefined || !result.created) throw new Error('the job was not created');
  return result.id;
}

/** Room for `limit` jobs of each type. */
export function rooms(limit: number, ...types: string[]): ClaimRoom[] {
  return types.map((type) => ({ type, limit }));
}

/** Claims up to `limit` queued jobs of `types` (default `email`) at `at`. */
export async function claim(
  store: SqliteStore,
  at: number,
  limit = 100,
  types: readonly string[] = ['email'],
): Promise<readonly ClaimedJob[]> {
  return step(store, at, { kind: 'claim', limit, rooms: rooms(limit, ...types) });
}

/** Applies status changes in one commit at `at`: per change, its new version or why it was refused. */
export async function change(
  store: SqliteStore,
  at: number,
  ...changes: StatusChange[]
): Promise<(number | WardenError)[]> {
  return [...(await step(store, at, { kind: 'changes', changes }))];
}

/** Applies one status change that must succeed; its new version. */
export async function changeOk(store: SqliteStore, statusChange: StatusChange): Promise<number> {
  const [result] = await change(store, statusChange.at, statusChange);
  if (typeof result !== 'number') throw result ?? new Error('no result');
  return result;
}

/** Applies one status change that must be refused; why. */
export async function changeRefused(
  store: SqliteStore,
  statusChange: StatusChange,
): Promise<WardenError> {
  const [result] = await change(store, statusChange.at, statusChange);
  if (typeof result === 'number') throw new Error(`the change was applied (version ${result})`);
  if (result === undefined) throw new Error('no result');
  return result;
}

/** Claims one queued job by id (`CLAIM`, as a claim step would); its new version. */
export async function claimById(store: SqliteStore, id: string, at: number): Promise<number> {
  const job = await jobOf(store, id);
  return changeOk(store, {
    id,
    from: 'queued',
    to: 'claimed',
    event: 'CLAIM',
    version: job.version,
    at,
  });
}

/** Starts one claimed job as the runner does (`START`, counting an attempt); its new version. */
export async function startById(store: SqliteStore, id: string, at: number): Promise<number> {
  const job = await jobOf(store, id);
  return changeOk(store, {
    id,
    from: 'claimed',
    to: 'running',
    event: 'START',
    version: job.version,
    at,
    attempt: job.attempt + 1,
  });
}

/**
 * Inserts a queued job, claims it and starts it at `at` (`queued → claimed → running`): the job
 * is running its attempt 1 at version 2. Returns its id.
 */
export async function runningJob(
  store: SqliteStore,
  at = 1100,
  overrides: Partial<NewJob> = {},
): Promise<string> {
  const id = await insertOne(store, overrides);
  await claimById(store, id, at);
  await startById(store, id, at);
  return id;
}

/** The write that starts a claimed job, as the runner makes it. */
export function startOf(job: ClaimedJob, at: number): StatusChange {
  return {
    id: job.id,
    from: 'claimed',
    to: 'running',
    event: 'START',
    version: job.version,
    at,
    attempt: job.attempt + 1,
  };
}

/** A job that must exist. */
export async function jobOf(store: SqliteStore, id: string): Promise<Job> {
  const job = await store.getJob(id);
  if (job === undefined) throw new Error(`no job ${id}`);
  return job;
}

/** What a rejected promise or a throwing call gave; fails when it gave nothing. */
export async function failureOf(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw or a rejection');
}

/** A second connection to `filename`, closed before returning `fn`'s value. */
export function withConnection<T>(
  filename: string,
  fn: (db: Database.Database) => T,
  readonly = false,
): T {
  const db = new Database(filename, { readonly });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Counts a table's rows with a second connection: what another process would see. */
export function rawCount(filename: string, table: string): number {
  return withConnection(
    filename,
    (db) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
    true,
  );
}

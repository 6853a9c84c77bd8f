import { describe, expect, it } from 'vitest';
import {
  defaultMaxStalls,
  jobMachine,
  jobStatuses,
  nextJobStep,
  type JobMachineEvent,
  type JobStatus,
} from '../../src/machines/jobMachine.js';
import type { SqliteStore } from '../../src/persistence/sqliteStore.js';
import type { NewJob, StatusChange } from '../../src/persistence/Store.js';
import { commit, newJob, openStore } from './storeFixtures.js';

// Issue 9 §2: where SQL repeats a guard of the job machine (the retry guard in the batched
// status UPDATE, `retryGuardSql` in src/persistence/sqlite/changeStatuses.ts; the claim's
// `status = 'queued'`; the promotion's statuses; the recovery of claimed jobs), the store must
// accept a write exactly when the machine reaches its target. Over a grid of stored states and
// every event, each test writes real rows (set up by SQL on the store's own connection), applies
// the write through the store, and compares with `nextJobStep`.
//
// The store knows only what a row holds. What it cannot know, the machine is asked over every
// value, and the store must accept a target iff SOME value makes the machine reach it:
// - `retryable` of FAIL and TIMEOUT (an UnrecoverableError or a `retryable()` veto);
// - `hasFallback` (the job type's definition);
// - whether a `running` job is in its attempt or its fallback (both are stored as `running`);
// - `maxStalls` (a runner option, 0 to 1000): 0, the default and 1000 put every `stalls` of the
//   grid both past and within the bound.
// A step within one status (a failed last attempt going to its fallback) is no status change: the
// runner writes none, and the store refuses `running → running`.

const attempts = [0, 1, 2, 3];
const maxAttemptsGrid = [1, 2, 3];
const stallsGrid = [0, defaultMaxStalls, defaultMaxStalls + 1];
const maxStallsGrid = [0, defaultMaxStalls, 1000];
/** The grid asks the machine about 30,000 times (some seconds); allow for a loaded machine. */
const gridTimeoutMs = 120_000;

/** Every event type, checked against the machine's own list below. */
const eventTypes = [
  'ENQUEUE',
  'DUE',
  'CLAIM',
  'RELEASE',
  'START',
  'SUCCEED',
  'FAIL',
  'TIMEOUT',
  'STALL',
  'RECOVER',
  'CANCEL',
  'REPLAY',
] as const satisfies readonly JobMachineEvent['type'][];

/** The event's every form: both `retryable` values, both ENQUEUE kinds. */
function formsOf(type: JobMachineEvent['type']): JobMachineEvent[] {
  switch (type) {
    case 'FAIL':
    case 'TIMEOUT':
      return [
        { type, retryable: true },
        { type, retryable: false },
      ];
    case 'ENQUEUE':
      return [
        { type, scheduled: true },
        { type, scheduled: false },
      ];
    default:
      return [{ type }];
  }
}

/** A stored job's state, as far as the store can see it. */
interface RowState {
  readonly status: JobStatus;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly stalls: number;
}

function rowStates(): RowState[] {
  const rows: RowState[] = [];
  for (const status of jobStatuses) {
    for (const attempt of attempts) {
      for (const maxAttempts of maxAttemptsGrid) {
        for (const stalls of stallsGrid) rows.push({ status, attempt, maxAttempts, stalls });
      }
    }
  }
  return rows;
}

const describeRow = (row: RowState): string =>
  `${row.status} (attempt ${row.attempt} of ${row.maxAttempts}, stalls ${row.stalls})`;

/** Where the machine can take a row on `type`: each status it reaches, with the attempts it counts. */
interface Reach {
  /** Per status reached (never the row's own), the attempts the job has there. */
  readonly targets: ReadonlyMap<JobStatus, ReadonlySet<number>>;
  /** Every attempt any form of the event leaves the job with. */
  readonly attempts: ReadonlySet<number>;
}

const reaches = new Map<string, Reach>();

/** `reachOf`, computed once per row state and event (the grid asks the machine about 30,000 times). */
function machineReach(row: RowState, type: JobMachineEvent['type']): Reach {
  const key = `${describeRow(row)} ${type}`;
  let reach = reaches.get(key);
  if (reach === undefined) {
    reach = reachOf(row, type);
    reaches.set(key, reach);
  }
  return reach;
}

function reachOf(row: RowState, type: JobMachineEvent['type']): Reach {
  const targets = new Map<JobStatus, Set<number>>();
  const counted = new Set<number>();
  for (const event of formsOf(type)) {
    for (const hasFallback of [false, true]) {
      for (const inFallback of row.status === 'running' ? [false, true] : [false]) {
        for (const maxStalls of maxStallsGrid) {
          const context = { ...row, maxStalls, hasFallback };
          const step = nextJobStep(row.status, context, event, inFallback);
          if (step === undefined || step.status === 'new') continue;
          counted.add(step.context.attempt);
          if (step.status === row.status) continue; // within one status: no write
          const set = targets.get(step.status) ?? new Set<number>();
          set.add(step.context.attempt);
          targets.set(step.status, set);
        }
      }
    }
  }
  return { targets, attempts: counted };
}

/** Inserts a row in exactly this state, for setup: SQL on the connection the inline writer shares. */
function insertRow(store: SqliteStore, row: RowState, type = 'grid'): string {
  const info = store
    .reader()
    .prepare(
      `INSERT INTO jobs (type, status, payload, priority, run_at, attempt, max_attempts, stalls,
         created_at, updated_at, last_event)
       VALUES (?, ?, '{}', 0, 500, ?, ?, ?, 500, 500, 'ENQUEUE')`,
    )
    .run(type, row.status, row.attempt, row.maxAttempts, row.stalls);
  return String(info.lastInsertRowid);
}

/** One write offered to the store, with what the machine says of it. */
interface Case {
  readonly row: RowState;
  readonly change: StatusChange;
  readonly machineReaches: boolean;
}

function caseText(c: Case): string {
  const attempt = c.change.attempt === undefined ? 'not restated' : `${c.change.attempt}`;
  const verdict = c.machineReaches
    ? 'the machine reaches it, the store refused'
    : 'the machine never reaches it, the store accepted';
  return `${describeRow(c.row)} ${c.change.event} to ${c.change.to} (attempt ${attempt}): ${verdict}`;
}

/** Applies every case's change to its own row in one batch; the cases where store and machine differ. */
async function disagreements(store: SqliteStore, cases: readonly Case[]): Promise<string[]> {
  const perStep = 1000;
  const steps = [];
  for (let offset = 0; offset < cases.length; offset += perStep) {
    steps.push({
      kind: 'changes' as const,
      changes: cases.slice(offset, offset + perStep).map((c) => c.change),
    });
  }
  const results = (await commit(store, 1000, ...steps)).flatMap((result) => {
    if (!result.ok) throw result.error;
    return result.value as readonly (number | Error)[];
  });
  expect(results).toHaveLength(cases.length);
  const found: string[] = [];
  cases.forEach((c, index) => {
    const accepted = typeof results[index] === 'number';
    if (accepted !== c.machineReaches) found.push(caseText(c));
  });
  return found;
}

/**
 * For each row state, event and target status: the change, stating each attempt in `attemptsOf`
 * (undefined: not restated, the row's attempt stands), on a row of its own.
 */
function statusChangeCases(
  store: SqliteStore,
  attemptsOf: (reach: Reach, to: JobStatus) => readonly (number | undefined)[],
): Case[] {
  const cases: Case[] = [];
  for (const row of rowStates()) {
    for (const type of eventTypes) {
      const reach = machineReach(row, type);
      for (const to of jobStatuses) {
        for (const attempt of attemptsOf(reach, to)) {
          const id = insertRow(store, row);
          cases.push({
            row,
            machineReaches: reach.targets.has(to),
            change: {
              id,
              from: row.status,
              to,
              event: type,
              version: 0,
              at: 1000,
              ...(attempt === undefined ? {} : { attempt }),
              ...(to === 'retrying' ? { runAt: 2000 } : {}),
            },
          });
        }
      }
    }
  }
  return cases;
}

describe('the SQL guards agree with the job machine', () => {
  it('covers every event and every status the machine has', () => {
    expect([...eventTypes].sort()).toEqual([...jobMachine.root.events].sort());
    expect(jobStatuses).toHaveLength(8);
    expect(rowStates()).toHaveLength(8 * 4 * 3 * 3);
  });

  it(
    'accepts a status change exactly when the machine reaches its target, with the attempt it counts',
    async () => {
      const store = openStore();
      // A target the machine reaches is written with the attempt it counts there, as the runner
      // writes it; one it never reaches, with every attempt some form of the event leaves the job
      // with (what a runner that took the wrong branch would write), and with none restated.
      const cases = statusChangeCases(store, (reach, to) => {
        const reached = reach.targets.get(to);
        if (reached !== undefined) return [...reached];
        return [undefined, ...reach.attempts];
      });
      expect(cases.filter((c) => c.machineReaches).length).toBeGreaterThan(500);
      expect(await disagreements(store, cases)).toEqual([]);
    },
    gridTimeoutMs,
  );

  it(
    'decides the same when a change leaves the attempt to the row',
    async () => {
      const store = openStore();
      const cases = statusChangeCases(store, () => [undefined]);
      expect(await disagreements(store, cases)).toEqual([]);
    },
    gridTimeoutMs,
  );

  it('claims a job exactly when the machine accepts CLAIM, into claimed', async () => {
    const store = openStore();
    const rows = rowStates().map((row) => ({ row, id: insertRow(store, row) }));
    const [result] = await commit(store, 1000, {
      kind: 'claim',
      limit: rows.length,
      rooms: [{ type: 'grid', limit: rows.length }],
    });
    if (result?.ok !== true) throw new Error('the claim step was refused');
    const claimed = new Set((result.value as readonly { id: string }[]).map((job) => job.id));
    const found: string[] = [];
    for (const { row, id } of rows) {
      const reach = machineReach(row, 'CLAIM');
      const machineClaims = reach.targets.has('claimed');
      expect([...reach.targets.keys()].filter((to) => to !== 'claimed')).toEqual([]);
      if (claimed.has(id) !== machineClaims) {
        found.push(`${describeRow(row)}: claimed ${claimed.has(id)}, machine ${machineClaims}`);
      } else if (machineClaims) {
        // Into `claimed`, with the attempt the machine leaves it (none counted).
        expect(
          store.reader().prepare('SELECT status, attempt FROM jobs WHERE id = ?').get(Number(id)),
        ).toEqual({
          status: 'claimed',
          attempt: [...(reach.targets.get('claimed') ?? [])][0],
        });
      }
    }
    expect(found).toEqual([]);
    expect(claimed.size).toBeGreaterThan(0);
  });

  it('promotes a due job exactly when the machine accepts DUE, into queued', async () => {
    const store = openStore();
    const rows = rowStates().map((row) => ({ row, id: insertRow(store, row) }));
    const [result] = await commit(store, 1000, { kind: 'promote', limit: rows.length });
    if (result?.ok !== true) throw new Error('the promote step was refused');
    const promoted = new Map(
      (result.value as readonly { id: string; from: JobStatus }[]).map((job) => [job.id, job.from]),
    );
    const found: string[] = [];
    for (const { row, id } of rows) {
      const reach = machineReach(row, 'DUE');
      const machineDue = reach.targets.has('queued');
      expect([...reach.targets.keys()].filter((to) => to !== 'queued')).toEqual([]);
      if (promoted.has(id) !== machineDue) {
        found.push(`${describeRow(row)}: promoted ${promoted.has(id)}, machine ${machineDue}`);
      }
      if (promoted.has(id)) expect(promoted.get(id)).toBe(row.status);
    }
    expect(found).toEqual([]);
    expect(promoted.size).toBeGreaterThan(0);
  });

  it('cancels and replays exactly when the machine does, into the status it reaches', async () => {
    const store = openStore();
    const cases: { row: RowState; id: string; event: 'CANCEL' | 'REPLAY' }[] = [];
    for (const row of rowStates()) {
      for (const event of ['CANCEL', 'REPLAY'] as const)
        cases.push({ row, id: insertRow(store, row), event });
    }
    const results = await commit(
      store,
      1000,
      ...cases.map(({ id, event }) => ({ kind: 'command' as const, id, event })),
    );
    const found: string[] = [];
    cases.forEach(({ row, event }, index) => {
      const result = results[index];
      const reach = machineReach(row, event);
      const to =
        result?.ok === true
          ? (result.value as { after: { status: JobStatus } }).after.status
          : undefined;
      const machineTo = [...reach.targets.keys()];
      if ((to === undefined ? [] : [to]).join() !== machineTo.join()) {
        found.push(
          `${describeRow(row)} ${event}: store ${to ?? 'refused'}, machine ${machineTo.join(' or ') || 'refuses'}`,
        );
      }
    });
    expect(found).toEqual([]);
  });

  it('creates a job only in a status the machine enqueues into', async () => {
    const store = openStore();
    const reached = new Set<JobStatus>();
    for (const event of formsOf('ENQUEUE')) {
      const step = nextJobStep('new', { maxAttempts: 3 }, event);
      if (step !== undefined && step.status !== 'new') reached.add(step.status);
    }
    expect([...reached].sort()).toEqual(['queued', 'scheduled']);
    const found: string[] = [];
    for (const status of jobStatuses) {
      // The type allows only `queued` and `scheduled`; a store must not rely on its callers' types.
      const job = newJob({ status: status as NewJob['status'] });
      const [result] = await commit(store, 1000, { kind: 'insert', jobs: [job] });
      const created = result?.ok === true;
      if (created !== reached.has(status)) {
        found.push(
          `insert as ${status}: store ${created ? 'created it' : 'refused'}, machine ${reached.has(status) ? 'enqueues' : 'never enqueues'} into it`,
        );
      }
    }
    expect(found).toEqual([]);
  });
});

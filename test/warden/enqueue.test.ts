import { describe, expect, it } from 'vitest';
import {
  InvalidOptionError,
  InvalidPayloadError,
  UnknownJobTypeError,
  type EnqueueOptions,
  type Warden,
} from '../../src/index.js';
import { deferred, t0, testWarden, traceJobs } from '../helpers.js';

const noJobs = {
  scheduled: 0,
  queued: 0,
  claimed: 0,
  running: 0,
  retrying: 0,
  succeeded: 0,
  cancelled: 0,
  dead: 0,
};

/** Every job event the warden emits, as `type id`. */
const eventLog = (warden: Warden): string[] =>
  traceJobs(warden, (event) => `${event.type} ${event.jobId}`);

/** A started warden with one job type, `task`, whose handler records its name and start time. */
async function taskWarden(concurrency = 1, claimDepth?: number) {
  const { warden, clock } = testWarden({
    concurrency,
    ...(claimDepth === undefined ? {} : { claimDepth }),
  });
  const started: { name: string; at: number }[] = [];
  const blocker = deferred();
  warden.defineJob<{ name: string }>('task', {
    run: async ({ name }) => {
      started.push({ name, at: clock.now() });
      if (name === 'blocker') await blocker.promise;
    },
  });
  await warden.start();
  return { warden, clock, started, blocker };
}

describe('enqueue', () => {
  it('resolves with the stored job once its row is committed', async () => {
    // No claim ahead of the one slot, so the job stays as it was stored, behind the blocker.
    const { warden, blocker } = await taskWarden(1, 1);
    await warden.enqueue('task', { name: 'blocker' });

    const job = await warden.enqueue(
      'task',
      { name: 'welcome' },
      { priority: 5, idempotencyKey: 'welcome-42', attempts: 4 },
    );

    expect(job).toEqual({
      id: '2',
      type: 'task',
      status: 'queued',
      payload: { name: 'welcome' },
      priority: 5,
      attempt: 0,
      maxAttempts: 4,
      stalls: 0,
      runAt: t0,
      version: 0,
      idempotencyKey: 'welcome-42',
      progress: null,
      checkpoint: null,
      result: null,
      error: null,
      viaFallback: false,
      createdAt: t0,
      updatedAt: t0,
      startedAt: null,
      finishedAt: null,
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/) as string,
      tracestate: null,
    });
    expect(await warden.getJob(job.id)).toEqual(job);
    expect(await warden.getJobHistory(job.id)).toEqual([
      { from: null, to: 'queued', event: 'ENQUEUE', at: t0, attempt: 0, error: null },
    ]);
    blocker.resolve();
  });

  it('refuses an unknown job type with UnknownJobTypeError', async () => {
    const { warden } = await taskWarden();
    const events = eventLog(warden);

    const enqueueing = warden.enqueue('tsak', { name: 'typo' });

    await expect(enqueueing).rejects.toBeInstanceOf(UnknownJobTypeError);
    await expect(enqueueing).rejects.toMatchObject({
      code: 'UNKNOWN_JOB_TYPE',
      type: 'tsak',
      message: 'no job type `tsak` is defined; call defineJob() first',
    });
    expect(await warden.countJobs()).toEqual(noJobs);
    expect(events).toEqual([]);
  });

  describe('refuses a payload that is not JSON data, quoting the problem and writing nothing', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;

    it.each([
      ['a cycle', cyclic, 'payload.self refers back to itself (a cycle)'],
      ['a BigInt', { amount: 10n }, 'payload.amount is a BigInt (10n), which JSON cannot hold'],
      ['a function', { onDone: () => 1 }, 'payload.onDone is a function'],
      ['a nested function', { steps: [1, () => 2] }, 'payload.steps[1] is a function'],
    ])('with %s', async (_label, payload, problem) => {
      const { warden } = await taskWarden();
      const events = eventLog(warden);

      const enqueueing = warden.enqueue('task', payload);

      await expect(enqueueing).rejects.toBeInstanceOf(InvalidPayloadError);
      await expect(enqueueing).rejects.toMatchObject({
        code: 'INVALID_PAYLOAD',
        message: `cannot enqueue \`task\`: ${problem}`,
      });
      expect(await warden.countJobs()).toEqual(noJobs);
      expect(events).toEqual([]);
    });
  });

  describe('refuses a payload that validate() rejects, writing nothing', () => {
    it('when validate throws, quoting its message and keeping it as the cause', async () => {
      const { warden } = testWarden();
      const refusal = new Error('amount must be positive');
      warden.defineJob<{ amount: number }>('charge', {
        run: () => undefined,
        validate: (payload) => {
          if ((payload as { amount: number }).amount <= 0) throw refusal;
        },
      });
      await warden.start();

      const enqueueing = warden.enqueue('charge', { amount: -5 });

      await expect(enqueueing).rejects.toBeInstanceOf(InvalidPayloadError);
      await expect(enqueueing).rejects.toMatchObject({
        code: 'INVALID_PAYLOAD',
        message: '`charge` rejected its payload `{"amount":-5}` (object): amount must be positive',
        cause: refusal,
      });
      expect(await warden.countJobs()).toEqual(noJobs);
    });

    it('when validate returns false', async () => {
      const { warden } = testWarden();
      warden.defineJob('refund', {
        run: () => undefined,
        validate: (payload) => typeof payload === 'object' && payload !== null,
      });
      await warden.start();

      const enqueueing = warden.enqueue('refund', 'not an object');

      await expect(enqueueing).rejects.toBeInstanceOf(InvalidPayloadError);
      await expect(enqueueing).rejects.toMatchObject({
        code: 'INVALID_PAYLOAD',
        message: '`refund` rejected its payload `not an object`',
      });
      expect(await warden.countJobs()).toEqual(noJobs);
    });

    it('but accepts a payload that validate() passes', async () => {
      const { warden } = testWarden();
      const seen: unknown[] = [];
      warden.defineJob('refund', {
        run: () => undefined,
        validate: (payload) => {
          seen.push(payload);
          return true;
        },
      });
      await warden.start();

      const job = await warden.enqueue('refund', { amount: 3 });

      expect(seen).toEqual([{ amount: 3 }]);
      expect(job.payload).toEqual({ amount: 3 });
    });
  });

  describe('refuses a bad option with InvalidOptionError quoting the value, writing nothing', () => {
    it.each<[string, EnqueueOptions, string, unknown, string]>([
      [
        'a fractional priority',
        { priority: 1.5 },
        'priority',
        1.5,
        'Expected `priority` to be a whole number from -2147483648 to 2147483647, got `1.5` (number)',
      ],
      [
        'a negative delayMs',
        { delayMs: -1 },
        'delayMs',
        -1,
        'Expected `delayMs` to be a whole number from 0 to 3155760000000, got `-1` (number)',
      ],
      [
        'runAt together with delayMs',
        { runAt: t0 + 5000, delayMs: 5000 },
        'runAt',
        t0 + 5000,
        'Expected `runAt` to be left out when `delayMs` is given, got `1700000005000` (number)',
      ],
      [
        'zero attempts',
        { attempts: 0 },
        'attempts',
        0,
        'Expected `attempts` to be a whole number from 1 to 1000000, got `0` (number)',
      ],
      [
        'an empty idempotencyKey',
        { idempotencyKey: '' },
        'idempotencyKey',
        '',
        'Expected `idempotencyKey` to be a non-empty string of at most 1000 characters, got ``',
      ],
    ])('%s', async (_label, options, option, value, message) => {
      const { warden } = await taskWarden();
      const events = eventLog(warden);

      const enqueueing = warden.enqueue('task', { name: 'x' }, options);

      await expect(enqueueing).rejects.toBeInstanceOf(InvalidOptionError);
      await expect(enqueueing).rejects.toMatchObject({
        code: 'INVALID_OPTION',
        option,
        value,
        message,
      });
      expect(await warden.countJobs()).toEqual(noJobs);
      expect(events).toEqual([]);
    });
  });

  describe('with an idempotency key', () => {
    it('returns the existing job for the same key and writes nothing more', async () => {
      const { warden } = await taskWarden();
      const events = eventLog(warden);

      const first = await warden.enqueue('task', { name: 'first' }, { idempotencyKey: 'order-7' });
      await warden.waitForJob(first.id);
      const second = await warden.enqueue(
        'task',
        { name: 'second' },
        { idempotencyKey: 'order-7' },
      );

      expect(second.id).toBe(first.id);
      expect(second).toMatchObject({ status: 'succeeded', payload: { name: 'first' } });
      expect(await warden.countJobs()).toEqual({ ...noJobs, succeeded: 1 });
      expect(events).toEqual(['job.queued 1', 'job.started 1', 'job.succeeded 1']);
      expect((await warden.getJobHistory(first.id)).map((entry) => entry.event)).toEqual([
        'ENQUEUE',
        'CLAIM',
        'START',
        'SUCCEED',
      ]);
    });

    it('creates one job when the same key is enqueued twice in one commit window', async () => {
      const { warden, started } = await taskWarden();
      const events = eventLog(warden);

      const [first, second] = await Promise.all([
        warden.enqueue('task', { name: 'first' }, { idempotencyKey: 'order-7' }),
        warden.enqueue('task', { name: 'second' }, { idempotencyKey: 'order-7' }),
      ]);

      expect(second.id).toBe(first.id);
      expect(second.payload).toEqual({ name: 'first' });
      expect(events.filter((line) => line.startsWith('job.queued'))).toEqual(['job.queued 1']);
      await warden.waitForJob(first.id);
      expect(started.map((start) => start.name)).toEqual(['first']);
    });

    it('keeps keys apart per job type', async () => {
      const { warden } = await taskWarden();
      warden.defineJob('other', { run: () => undefined });

      const task = await warden.enqueue('task', { name: 'a' }, { idempotencyKey: 'shared' });
      const other = await warden.enqueue('other', {}, { idempotencyKey: 'shared' });

      expect(other.id).not.toBe(task.id);
      expect(other.type).toBe('other');
    });
  });

  describe('enqueueMany', () => {
    it('commits every job, in order', async () => {
      const { warden } = await taskWarden();

      const jobs = await warden.enqueueMany([
        { type: 'task', payload: { name: 'a' } },
        { type: 'task', payload: { name: 'b' }, options: { priority: 2 } },
        { type: 'task', payload: { name: 'c' }, options: { delayMs: 10 } },
      ]);

      expect(jobs.map((job) => [job.id, job.payload, job.status])).toEqual([
        ['1', { name: 'a' }, 'queued'],
        ['2', { name: 'b' }, 'queued'],
        ['3', { name: 'c' }, 'scheduled'],
      ]);
    });

    it('writes nothing when one item has a bad payload', async () => {
      const { warden } = await taskWarden();
      const events = eventLog(warden);

      const enqueueing = warden.enqueueMany([
        { type: 'task', payload: { name: 'fine' } },
        { type: 'task', payload: { name: 'bad', amount: 1n } },
        { type: 'task', payload: { name: 'also fine' } },
      ]);

      await expect(enqueueing).rejects.toBeInstanceOf(InvalidPayloadError);
      await expect(enqueueing).rejects.toMatchObject({
        message:
          'cannot enqueue `task`: items[1].payload.amount is a BigInt (1n), which JSON cannot hold',
      });
      expect(await warden.countJobs()).toEqual(noJobs);
      expect(events).toEqual([]);
    });

    it('writes nothing when one item has a bad option, naming the item', async () => {
      const { warden } = await taskWarden();

      const enqueueing = warden.enqueueMany([
        { type: 'task', payload: { name: 'fine' } },
        { type: 'task', payload: { name: 'bad' }, options: { priority: 1.5 } },
      ]);

      await expect(enqueueing).rejects.toMatchObject({
        code: 'INVALID_OPTION',
        option: 'items[1].priority',
        value: 1.5,
      });
      expect(await warden.countJobs()).toEqual(noJobs);
    });

    it('writes nothing when one item names an unknown type', async () => {
      const { warden } = await taskWarden();

      const enqueueing = warden.enqueueMany([
        { type: 'task', payload: { name: 'fine' } },
        { type: 'missing', payload: {} },
      ]);

      await expect(enqueueing).rejects.toBeInstanceOf(UnknownJobTypeError);
      expect(await warden.countJobs()).toEqual(noJobs);
    });
  });

  it('starts higher priorities first, then equal priorities in enqueue order', async () => {
    const { warden, started, blocker } = await taskWarden(1);
    await warden.enqueue('task', { name: 'blocker' });
    const jobs = await warden.enqueueMany([
      { type: 'task', payload: { name: 'low-1' }, options: { priority: -1 } },
      { type: 'task', payload: { name: 'normal-1' } },
      { type: 'task', payload: { name: 'high-1' }, options: { priority: 10 } },
      { type: 'task', payload: { name: 'normal-2' } },
      { type: 'task', payload: { name: 'high-2' }, options: { priority: 10 } },
      { type: 'task', payload: { name: 'low-2' }, options: { priority: -1 } },
    ]);
    const late = await warden.enqueue('task', { name: 'urgent' }, { priority: 99 });
    expect(started.map((start) => start.name)).toEqual(['blocker']);

    blocker.resolve();
    await Promise.all([...jobs, late].map((job) => warden.waitForJob(job.id)));

    expect(started.map((start) => start.name)).toEqual([
      'blocker',
      'urgent',
      'high-1',
      'high-2',
      'normal-1',
      'normal-2',
      'low-1',
      'low-2',
    ]);
  });

  describe('a delayed job', () => {
    it('waits for delayMs on the clock before it starts', async () => {
      const { warden, clock, started } = await taskWarden();

      const job = await warden.enqueue('task', { name: 'later' }, { delayMs: 5000 });
      expect(job).toMatchObject({ status: 'scheduled', runAt: t0 + 5000 });

      await clock.advance(4999);
      expect(started).toEqual([]);
      expect((await warden.getJob(job.id))?.status).toBe('scheduled');

      await clock.advance(1);
      expect(started).toEqual([{ name: 'later', at: t0 + 5000 }]);
    });

    it('waits for runAt, given as a number or a Date', async () => {
      const { warden, clock, started } = await taskWarden();

      await warden.enqueue('task', { name: 'at 3s' }, { runAt: new Date(t0 + 3000) });
      await warden.enqueue('task', { name: 'at 1s' }, { runAt: t0 + 1000 });
      expect(clock.pending()).toBe(1);

      await clock.advance(10_000);

      expect(started).toEqual([
        { name: 'at 1s', at: t0 + 1000 },
        { name: 'at 3s', at: t0 + 3000 },
      ]);
    });

    it('runs at once when runAt is already past', async () => {
      const { warden, started } = await taskWarden();

      const job = await warden.enqueue('task', { name: 'overdue' }, { runAt: t0 - 60_000 });

      expect(job).toMatchObject({ status: 'queued', runAt: t0 });
      expect(started).toEqual([{ name: 'overdue', at: t0 }]);
    });
  });
});

import { describe, expect, it } from 'vitest';
import {
  createManualClock,
  createWarden,
  InvalidOptionError,
  NotRunningError,
  type Warden,
  type WardenEvent,
} from '../../src/index.js';
import { deferred, rejection, t0, tempDatabase, testWarden } from '../helpers.js';

/** The pause and resume events a warden emits from now on, as `type jobType by`. */
function typeEvents(warden: Warden): string[] {
  const lines: string[] = [];
  warden.events$.subscribe((event: WardenEvent) => {
    if (event.type === 'jobType.paused' || event.type === 'jobType.resumed') {
      lines.push(`${event.type} ${event.jobType} ${event.by} ${event.at - t0}`);
    }
  });
  return lines;
}

/** A started warden with `a` and `b` job types whose handlers record each start. */
async function typesWarden(options: { concurrency?: number; database?: string } = {}) {
  const { warden, clock } = testWarden({
    concurrency: options.concurrency ?? 4,
    ...(options.database === undefined ? {} : { database: options.database }),
  });
  const started: string[] = [];
  const blocker = deferred();
  for (const type of ['a', 'b']) {
    warden.defineJob<{ name: string }>(type, {
      run: async ({ name }, ctx) => {
        started.push(`${type} ${name} ${ctx.attempt}`);
        if (name === 'blocker') await blocker.promise;
      },
    });
  }
  await warden.start();
  return { warden, clock, started, blocker };
}

describe('pauseJobType', () => {
  it('keeps jobs of a paused type waiting, unattempted, while other types run', async () => {
    const { warden, clock, started } = await typesWarden();
    const events = typeEvents(warden);
    expect(await warden.pauseJobType('a')).toBe(true);
    const a = await warden.enqueue('a', { name: 'one' });
    const b = await warden.enqueue('b', { name: 'two' });
    await warden.waitForJob(b.id);
    await clock.advance(60_000);

    expect(started).toEqual(['b two 1']);
    expect(await warden.getJob(a.id)).toMatchObject({ status: 'queued', attempt: 0 });
    expect(events).toEqual(['jobType.paused a api 0']);
    expect(await warden.pausedJobTypes()).toEqual([{ type: 'a', pausedAt: t0, pausedBy: 'api' }]);
  });

  it('makes jobs claimable at once on resume, and says nothing for a repeated call', async () => {
    const { warden, clock, started } = await typesWarden();
    const events = typeEvents(warden);
    await warden.pauseJobType('a');
    expect(await warden.pauseJobType('a')).toBe(false);
    const a = await warden.enqueue('a', { name: 'one' });
    await clock.advance(1000);
    expect(started).toEqual([]);

    expect(await warden.resumeJobType('a')).toBe(true);
    expect(await warden.resumeJobType('a')).toBe(false);
    await warden.waitForJob(a.id);

    expect(started).toEqual(['a one 1']);
    expect(await warden.getJob(a.id)).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(events).toEqual(['jobType.paused a api 0', 'jobType.resumed a api 1000']);
    expect(await warden.pausedJobTypes()).toEqual([]);
  });

  it('gives claimed, unstarted jobs back to the queue with no attempt spent; running ones finish', async () => {
    const { warden, clock, started, blocker } = await typesWarden({ concurrency: 1 });
    const running = await warden.enqueue('a', { name: 'blocker' });
    const waiting = [
      await warden.enqueue('a', { name: 'w1' }),
      await warden.enqueue('a', { name: 'w2' }),
    ];
    await clock.settle();
    expect((await warden.countJobs('a')).claimed).toBe(2);

    await warden.pauseJobType('a');
    await clock.settle();
    expect(await warden.countJobs('a')).toMatchObject({ running: 1, claimed: 0, queued: 2 });
    blocker.resolve();
    await warden.waitForJob(running.id);
    await clock.advance(10_000);

    expect(started).toEqual(['a blocker 1']);
    for (const job of waiting) {
      expect(await warden.getJob(job.id)).toMatchObject({ status: 'queued', attempt: 0 });
      expect(
        (await warden.getJobHistory(job.id)).map((e) => `${e.from}→${e.to} ${e.event}`),
      ).toEqual(['null→queued ENQUEUE', 'queued→claimed CLAIM', 'claimed→queued RELEASE']);
    }
    expect((await warden.getJob(running.id))?.status).toBe('succeeded');
  });

  it('keeps jobs that become due (scheduled, retrying) waiting', async () => {
    const { warden, clock, started } = await typesWarden();
    await warden.pauseJobType('b');
    const later = await warden.enqueue('b', { name: 'later' }, { delayMs: 1000 });
    await clock.advance(5000);
    expect(started).toEqual([]);
    expect(await warden.getJob(later.id)).toMatchObject({ status: 'queued', attempt: 0 });
  });

  it('survives a restart on the same file', async () => {
    const database = tempDatabase();
    const first = await typesWarden({ database });
    await first.warden.pauseJobType('a');
    const job = await first.warden.enqueue('a', { name: 'kept' });
    await first.clock.advance(1000);
    await first.warden.stop({ graceMs: 0 });
    expect(first.started).toEqual([]);

    const clock = createManualClock(t0 + 5000);
    const second = createWarden({ database, clock, random: () => 0, concurrency: 4 });
    const started: string[] = [];
    second.defineJob('a', { run: () => void started.push('a') });
    await second.start();
    try {
      await clock.advance(10_000);
      expect(started).toEqual([]);
      expect(await second.getJob(job.id)).toMatchObject({ status: 'queued', attempt: 0 });
      expect(await second.pausedJobTypes()).toEqual([{ type: 'a', pausedAt: t0, pausedBy: 'api' }]);

      await second.resumeJobType('a');
      await second.waitForJob(job.id);
      expect(started).toEqual(['a']);
    } finally {
      await second.stop({ graceMs: 0 });
    }
  });

  it('still takes enqueues of a paused type, and pauses types not defined (yet)', async () => {
    const { warden } = await typesWarden();
    expect(await warden.pauseJobType('not.defined')).toBe(true);
    await warden.pauseJobType('a');
    const job = await warden.enqueue('a', { name: 'waits' });
    expect(job.status).toBe('queued');
    expect((await warden.pausedJobTypes()).map((p) => p.type)).toEqual(['a', 'not.defined']);
  });

  it('refuses a type that is not a non-empty string of at most 200 characters', async () => {
    const { warden } = await typesWarden();
    for (const bad of ['', 'x'.repeat(201), 42, null, undefined]) {
      const error = await rejection(() => warden.pauseJobType(bad as string));
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).message).toMatch(
        /^Expected `type` to be a non-empty string/,
      );
      expect(await rejection(() => warden.resumeJobType(bad as string))).toBeInstanceOf(
        InvalidOptionError,
      );
    }
    expect(await warden.pausedJobTypes()).toEqual([]);
  });

  it('refuses before start and after stop', async () => {
    const { warden } = testWarden();
    expect(await rejection(() => warden.pauseJobType('a'))).toBeInstanceOf(NotRunningError);
    await warden.start();
    await warden.stop();
    expect(await rejection(() => warden.resumeJobType('a'))).toBeInstanceOf(NotRunningError);
    expect(await rejection(() => warden.pausedJobTypes())).toBeInstanceOf(NotRunningError);
  });
});

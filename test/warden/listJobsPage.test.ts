import { describe, expect, it } from 'vitest';
import { InvalidOptionError, type Job, type JobStatus } from '../../src/index.js';
import { testWarden } from '../helpers.js';

async function started(jobs: number) {
  const { warden } = testWarden();
  warden.defineJob('email', { run: () => undefined });
  warden.defineJob('sms', { run: () => undefined });
  // Under the manual clock the delayed half stays scheduled; the rest may run meanwhile.
  await warden.start();
  await warden.enqueueMany(
    Array.from({ length: jobs }, (_, i) => ({
      type: i % 3 === 0 ? 'sms' : 'email',
      payload: { i },
      options: i % 2 === 0 ? { delayMs: 60_000 } : {},
    })),
  );
  return warden;
}

describe('warden.listJobsPage', () => {
  it('pages through a filter by cursor: every job once, in enqueue order', async () => {
    const warden = await started(25);
    const seen: Job[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await warden.listJobsPage({ type: 'email', limit: 4, after });
      seen.push(...page.jobs);
      if (page.nextCursor === null) break;
      after = page.nextCursor;
    }
    expect(seen.map((job) => job.id)).toEqual(
      (await warden.listJobs({ type: 'email' })).map((job) => job.id),
    );
    expect(seen).toHaveLength(16);
  });

  it('counts every status, claimed included', async () => {
    const warden = await started(6);
    const counts = await warden.countJobs();
    expect(Object.keys(counts)).toContain('claimed');
    expect(counts).toMatchObject<Partial<Record<JobStatus, number>>>({ scheduled: 3, dead: 0 });
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(6);
    expect((await warden.countJobs('sms')).scheduled).toBe(1);
  });

  it('refuses a bad cursor, a cursor with an offset and a misspelt key', async () => {
    const warden = await started(3);
    const page = await warden.listJobsPage({ limit: 1 });
    await expect(warden.listJobsPage({ after: 'nonsense' })).rejects.toThrow(InvalidOptionError);
    await expect(warden.listJobsPage({ after: 'nonsense' })).rejects.toThrow(
      'Expected `after` to be a `nextCursor` returned by `listJobsPage`, got `nonsense`',
    );
    await expect(
      warden.listJobsPage({ after: page.nextCursor ?? '', offset: 1 }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION', option: 'offset' });
    await expect(warden.listJobs({ status: 'dead', after: page.nextCursor ?? '' })).rejects.toThrow(
      'this cursor was made for another filter',
    );
    await expect(warden.listJobsPage({ afer: 'x' } as never)).rejects.toThrow(
      'did you mean `after`?',
    );
    await expect(warden.listJobsPage({ cursor: 'x' } as never)).rejects.toThrow(
      '(`status`, `type`, `limit`, `offset`, `after`)',
    );
  });
});

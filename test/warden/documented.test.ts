import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/index.js';
import { testWarden } from '../helpers.js';

// Facts the README states (issue 9 §5.8), pinned so that the text and the code cannot drift apart.
describe('listJobs paging, as the README documents it', () => {
  async function wardenWithJobs(count: number) {
    const { warden } = testWarden();
    warden.defineJob('later', { run: () => undefined });
    await warden.start();
    await warden.enqueueMany(
      Array.from({ length: count }, (_, i) => ({
        type: 'later',
        payload: { i },
        options: { delayMs: 60_000 },
      })),
    );
    return warden;
  }

  it('returns the first 100 jobs, oldest first, when no limit is given', async () => {
    const warden = await wardenWithJobs(150);
    const ids = (await warden.listJobs()).map((job) => Number(job.id));
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('pages through the rest with limit and offset', async () => {
    const warden = await wardenWithJobs(150);
    const ids = (await warden.listJobs({ limit: 60, offset: 100 })).map((job) => Number(job.id));
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => i + 101));
  });
});

describe('the manual clock, as the README documents it', () => {
  it('has fired nothing and not moved right after an advance() that is not awaited', async () => {
    const clock = createManualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 10);

    const advancing = clock.advance(1000);
    expect([clock.now(), fired]).toEqual([0, []]);

    await advancing;
    expect([clock.now(), fired]).toEqual([1000, [10]]);
  });
});

import { describe, expect, it } from 'vitest';
import { testWarden } from '../../helpers.js';

describe('claiming for a type whose concurrency is below the global one', () => {
  it('keeps claiming it while another defined type has nothing queued', async () => {
    const { warden } = testWarden({ concurrency: 8 });
    let running = 0;
    let most = 0;
    warden.defineJob('narrow', {
      concurrency: 1,
      run: async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => setImmediate(resolve));
        running--;
      },
    });
    warden.defineJob('idle', { run: () => undefined }); // defined, never enqueued
    await warden.start();
    const jobs = await warden.enqueueMany(
      Array.from({ length: 20 }, () => ({ type: 'narrow', payload: {} })),
    );
    const ended = await Promise.all(jobs.map((job) => warden.waitForJob(job.id)));
    expect(ended.every((job) => job.status === 'succeeded')).toBe(true);
    expect(most).toBe(1);
  });
});

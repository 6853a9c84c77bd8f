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

describe('a cancel committed through the write queue', () => {
  it('emits job.cancelled for a scheduled job and for a claimed one', async () => {
    const { warden } = testWarden({ concurrency: 1 });
    let release!: () => void;
    warden.defineJob('hold', { run: () => new Promise<void>((resolve) => (release = resolve)) });
    await warden.start();
    const cancelled: string[] = [];
    warden.on('job.cancelled', (event) => cancelled.push(event.jobId));
    const later = await warden.enqueue('hold', {}, { delayMs: 60_000 });
    const [running, claimed] = await warden.enqueueMany([
      { type: 'hold', payload: {} },
      { type: 'hold', payload: {} },
    ]);
    await warden.cancelJob(later.id);
    await warden.cancelJob(claimed!.id);
    expect(cancelled).toEqual([later.id, claimed!.id]);
    release();
    expect((await warden.waitForJob(running!.id)).status).toBe('succeeded');
  });
});

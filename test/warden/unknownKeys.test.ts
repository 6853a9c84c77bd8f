import { describe, expect, it } from 'vitest';
import { createWarden, InvalidOptionError } from '../../src/index.js';
import { rejection, testWarden } from '../helpers.js';

/** The error `fn` throws or rejects with. */
describe('unknown option keys are refused, naming the nearest valid one', () => {
  it.each([
    [
      'createWarden',
      () => createWarden({ concurency: 2 } as never),
      'createWarden options.concurency',
      'concurrency',
    ],
    [
      'supervision',
      () => createWarden({ supervision: { maxRestart: 2 } } as never),
      'supervision.maxRestart',
      'maxRestarts',
    ],
  ])('%s', async (_name, fn, option, nearest) => {
    const error = await rejection(fn);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toContain(`\`${option}\``);
    expect((error as Error).message).toContain(`did you mean \`${nearest}\``);
  });

  it('in defineJob, enqueue, enqueueMany, listJobs, waitForJob, stop and supervise', async () => {
    const { warden } = testWarden();
    expect(() => warden.defineJob('a', { run: () => 1, timeout: 5 } as never)).toThrow(
      'did you mean `timeoutMs`',
    );
    expect(() => warden.defineJob('b', { run: () => 1, retry: { retries: 5 } } as never)).toThrow(
      "defineJob('b').retry.retries",
    );
    warden.defineJob('c', { run: () => 1 });
    await warden.start();
    await expect(warden.enqueue('c', {}, { priorty: 5 } as never)).rejects.toThrow(
      'did you mean `priority`',
    );
    await expect(warden.enqueue('c', {}, { delay: 5000 } as never)).rejects.toThrow(
      'did you mean `delayMs`',
    );
    await expect(
      warden.enqueueMany([{ type: 'c', payload: {}, option: {} }] as never),
    ).rejects.toThrow('did you mean `options`');
    await expect(warden.listJobs({ stauts: 'dead' } as never)).rejects.toThrow(
      'did you mean `status`',
    );
    await expect(warden.waitForJob('1', { sigal: undefined } as never)).rejects.toThrow(
      'did you mean `signal`',
    );
    await expect(
      warden.supervise({ id: 'x', start: () => undefined, restrat: 'temporary' } as never),
    ).rejects.toThrow('did you mean `restart`');
    await expect(warden.stop({ grace: 5 } as never)).rejects.toThrow('did you mean `graceMs`');
    expect(await warden.countJobs()).toMatchObject({ queued: 0 }); // nothing was written
  });
});

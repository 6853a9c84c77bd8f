import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../../src/index.js';
import { testWarden } from '../helpers.js';

// Issue 9 §5.4: a Date came back as a string and symbol keys vanished, without a word.
describe('values that JSON would change', () => {
  it('refuses a payload holding a Date, writing nothing', async () => {
    const { warden } = testWarden();
    warden.defineJob('remind', { run: () => undefined });
    await warden.start();

    const enqueueing = warden.enqueue('remind', { at: new Date(0) });

    await expect(enqueueing).rejects.toBeInstanceOf(InvalidPayloadError);
    await expect(enqueueing).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
      message:
        'cannot enqueue `remind`: payload.at is a Date, not plain data (store its toISOString() or getTime())',
    });
    expect(await warden.listJobs()).toEqual([]);
  });

  it('refuses a payload with a symbol key', async () => {
    const { warden } = testWarden();
    warden.defineJob('remind', { run: () => undefined });
    await warden.start();

    await expect(
      warden.enqueue('remind', { [Symbol('trace')]: 'abc', to: 'ada' }),
    ).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
      message:
        'cannot enqueue `remind`: payload has the symbol key Symbol(trace), which JSON would drop',
    });
  });

  it('fails an attempt whose result holds a Date with INVALID_RESULT', async () => {
    const { warden } = testWarden();
    warden.defineJob('stamp', { run: () => ({ doneAt: new Date(0) }), retry: { attempts: 1 } });
    await warden.start();

    const job = await warden.waitForJob((await warden.enqueue('stamp', {})).id);

    expect(job.status).toBe('dead');
    expect(job.result).toBe(null);
    expect(job.error).toMatchObject({
      name: 'InvalidResultError',
      code: 'INVALID_RESULT',
      message:
        "the handler's result.doneAt is a Date, not plain data (store its toISOString() or getTime())",
    });
  });
});

/**
 * Issue 9 §4, the backoff trap: a `backoff` that leaves fields out takes them from the default
 * policy where it is used (a job type's retries, an actor's restarts), field by field, instead of
 * from the bare policy defaults (no jitter, a one-hour cap).
 */
import { describe, expect, it } from 'vitest';
import { testWarden } from '../helpers.js';

const t0 = 1_700_000_000_000;

describe('a partial backoff', () => {
  it("keeps a job type's default jitter and cap when it gives only type and delayMs", async () => {
    // random 0.5 with the default jitter 0.2 takes a tenth off every delay.
    const { warden, clock } = testWarden({ random: () => 0.5 });
    warden.defineJob('flaky', {
      retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 200_000 } },
      run: () => {
        throw new Error('flake');
      },
    });
    await warden.start();
    const runAts: number[] = [];
    warden.on('job.retrying', (event) => runAts.push(event.runAt - event.at));

    await warden.enqueue('flaky', {});
    await clock.settle();
    await clock.advance(180_000);

    // 200 s less a tenth, then 400 s capped at the default 300 s, less a tenth.
    expect(runAts).toEqual([180_000, 270_000]);
    expect(clock.now()).toBe(t0 + 180_000);
  });

  it("keeps a supervised actor's default jitter when it gives only type and delayMs", async () => {
    const { warden, clock } = testWarden({ random: () => 0.5 });
    await warden.start();
    const delays: number[] = [];
    warden.on('actor.restarting', (event) => delays.push(event.delayMs));
    await warden.supervise({
      id: 'crashy',
      backoff: { type: 'exponential', delayMs: 10_000 },
      start: () => {
        throw new Error('crash');
      },
    });
    await clock.settle();

    // The default jitter 0.2 takes a tenth off (it used to be none).
    expect(delays[0]).toBe(9_000);
  });
});

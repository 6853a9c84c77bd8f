import { describe, expect, it } from 'vitest';
import { supervisor, worker } from '../../src/index.js';
import { deferred, tempDatabase, testWarden } from '../helpers.js';
import { parseMetrics, samples, value } from './metricsHelpers.js';

describe('warden.metrics() on failures', () => {
  it('counts jobs found stalled after the process that ran them died', async () => {
    const database = tempDatabase();
    const first = testWarden({ database });
    first.warden.defineJob('work', { run: () => deferred().promise });
    await first.warden.start();
    await first.warden.enqueue('work', {});
    await first.warden.enqueue('work', {});
    await first.clock.settle();
    // Stopped without grace: the rows stay running, as if the process had died.
    await first.warden.stop({ graceMs: 0 });

    const second = testWarden({ database, clock: first.clock });
    second.warden.defineJob('work', { run: () => 'done' });
    await second.warden.start();
    await second.clock.settle();
    const parsed = parseMetrics(await second.warden.metrics());
    expect(samples(parsed, 'warden_job_stalls_total')).toEqual({ 'type=work': 2 });
  });

  it('counts escalations, dead-lettered actors and breaker opens', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    const feed = worker({ id: 'feed', start: () => Promise.reject(new Error('unreachable')) });
    await warden.supervise(supervisor({ id: 'importer', maxRestarts: 0, children: [feed] }));
    const smtp = warden.breaker('smtp', { minimumCalls: 2, window: { type: 'count', size: 4 } });
    for (let i = 0; i < 2; i++) {
      await smtp.call(() => Promise.reject(new Error('421 busy'))).catch(() => undefined);
    }
    await clock.advance(1000);

    const parsed = parseMetrics(await warden.metrics());
    expect(samples(parsed, 'warden_supervisor_escalations_total')).toEqual({
      'supervisor=importer': 1,
    });
    expect(samples(parsed, 'warden_actor_dead_letters_total')).toEqual({ 'actor=importer': 1 });
    expect(samples(parsed, 'warden_breaker_opens_total')).toEqual({ 'breaker=smtp': 1 });
    expect(value(parsed, 'warden_breaker_state', { breaker: 'smtp', state: 'open' })).toBe(1);
  });

  it('leaves the queue gauges empty while the store is closed, and shows the rest', async () => {
    const { warden } = testWarden();
    warden.defineJob('mail', { run: () => undefined });
    await warden.start();
    await warden.waitForJob((await warden.enqueue('mail', {})).id);
    await warden.stop();
    const parsed = parseMetrics(await warden.metrics());
    expect(samples(parsed, 'warden_queue_depth')).toEqual({});
    expect(samples(parsed, 'warden_dead_letters')).toEqual({});
    expect(value(parsed, 'warden_jobs_total', { type: 'mail', outcome: 'succeeded' })).toBe(1);
  });
});

import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { deferred, testWarden } from '../helpers.js';
import { family, histogram, parseMetrics, samples, value } from './metricsHelpers.js';

const noJitter = { type: 'fixed', delayMs: 1000, jitter: 0 } as const;

describe('warden.metrics()', () => {
  it('counts job outcomes and attempts by type, from the committed events', async () => {
    const { warden, clock } = testWarden();
    warden.defineJob('mail', { run: () => 'sent' });
    let flakyRuns = 0;
    warden.defineJob('flaky', {
      retry: { attempts: 3, backoff: noJitter },
      run: () => {
        flakyRuns++;
        if (flakyRuns === 1) throw new Error('first try fails');
      },
    });
    warden.defineJob('bad', {
      retry: { attempts: 2, backoff: noJitter },
      run: () => {
        throw new Error('always');
      },
    });
    await warden.start();

    const mails = await Promise.all([warden.enqueue('mail', {}), warden.enqueue('mail', {})]);
    const flaky = await warden.enqueue('flaky', {});
    const bad = await warden.enqueue('bad', {});
    const later = await warden.enqueue('mail', {}, { delayMs: 60_000 });
    await clock.advance(1000);
    for (const job of [...mails, flaky, bad]) await warden.waitForJob(job.id);
    await warden.cancelJob(later.id);

    const parsed = parseMetrics(await warden.metrics());
    expect(family(parsed, 'warden_jobs_total').type).toBe('COUNTER');
    expect(samples(parsed, 'warden_jobs_total')).toEqual({
      'type=mail,outcome=succeeded': 2,
      'type=mail,outcome=cancelled': 1,
      'type=flaky,outcome=retried': 1,
      'type=flaky,outcome=succeeded': 1,
      'type=bad,outcome=retried': 1,
      'type=bad,outcome=dead': 1,
    });
    expect(samples(parsed, 'warden_job_attempts_total')).toEqual({
      'type=mail': 2,
      'type=flaky': 2,
      'type=bad': 2,
    });
  });

  it('times attempts in a histogram by type and outcome, with every bucket', async () => {
    const { warden, clock } = testWarden();
    const gates = [deferred(), deferred()];
    let run = 0;
    warden.defineJob('render', {
      run: async () => {
        const gate = gates[run++];
        await gate?.promise;
      },
    });
    await warden.start();

    const first = await warden.enqueue('render', {});
    await clock.settle();
    await clock.advance(250);
    gates[0]?.resolve();
    await warden.waitForJob(first.id);
    const second = await warden.enqueue('render', {});
    await clock.settle();
    await clock.advance(3000);
    gates[1]?.resolve();
    await warden.waitForJob(second.id);

    const text = await warden.metrics();
    expect(family(parseMetrics(text), 'warden_job_duration_seconds').type).toBe('HISTOGRAM');
    const series = histogram(text, 'warden_job_duration_seconds', {
      type: 'render',
      outcome: 'succeeded',
    });
    expect(series.count).toBe(2);
    expect(series.sum).toBeCloseTo(3.25, 9);
    expect(series.buckets).toEqual({
      '0.005': 0,
      '0.01': 0,
      '0.025': 0,
      '0.05': 0,
      '0.1': 0,
      '0.25': 1,
      '0.5': 1,
      '1': 1,
      '2.5': 1,
      '5': 2,
      '10': 2,
      '30': 2,
      '60': 2,
      '300': 2,
      '900': 2,
      '3600': 2,
      '+Inf': 2,
    });
  });

  it('reports queue depth by type, status and priority, and dead letters, at scrape time', async () => {
    const { warden, clock } = testWarden();
    let badRuns = 0;
    warden.defineJob('bad', {
      retry: { attempts: 1 },
      run: () => {
        badRuns++;
        if (badRuns === 1) throw new Error('no');
      },
    });
    warden.defineJob('later', { run: () => undefined });
    await warden.start();
    const dead = await warden.enqueue('bad', {});
    await warden.waitForJob(dead.id);
    await warden.enqueue('later', {}, { priority: 5, delayMs: 10_000 });
    await warden.enqueue('later', {}, { priority: 5, delayMs: 10_000 });
    await warden.enqueue('later', {}, { delayMs: 10_000 });
    await clock.settle();

    const parsed = parseMetrics(await warden.metrics());
    expect(family(parsed, 'warden_queue_depth').type).toBe('GAUGE');
    expect(samples(parsed, 'warden_queue_depth')).toEqual({
      'type=bad,status=dead,priority=0': 1,
      'type=later,status=scheduled,priority=0': 1,
      'type=later,status=scheduled,priority=5': 2,
    });
    expect(samples(parsed, 'warden_dead_letters')).toEqual({ 'type=bad': 1 });

    // Replayed (and succeeding this time), the dead letter leaves the gauge at the next scrape.
    await warden.retryJob(dead.id);
    await warden.waitForJob(dead.id);
    const after = parseMetrics(await warden.metrics());
    expect(samples(after, 'warden_dead_letters')).toEqual({});
  });

  it('counts restarts per actor and shows breaker states and pool utilisation', async () => {
    const { warden, clock } = testWarden();
    let runs = 0;
    await warden.start();
    await warden.supervise({
      id: 'feed',
      start: async ({ signal }) => {
        runs++;
        if (runs <= 2) throw new Error(`crash ${runs}`);
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
      },
    });
    await clock.advance(60_000);
    const breaker = warden.breaker('smtp');
    const pool = warden.pool('conns', { create: () => ({}), min: 2, max: 4 });
    await clock.settle();
    breaker.isolate();
    const lease = await pool.acquire();
    await clock.settle();

    const parsed = parseMetrics(await warden.metrics());
    expect(value(parsed, 'warden_actor_restarts_total', { actor: 'feed' })).toBe(2);
    expect(samples(parsed, 'warden_breaker_state')).toEqual({
      'breaker=smtp,state=closed': 0,
      'breaker=smtp,state=open': 0,
      'breaker=smtp,state=half-open': 0,
      'breaker=smtp,state=isolated': 1,
    });
    expect(value(parsed, 'warden_pool_size', { pool: 'conns' })).toBe(2);
    expect(value(parsed, 'warden_pool_borrowed', { pool: 'conns' })).toBe(1);
    expect(value(parsed, 'warden_pool_idle', { pool: 'conns' })).toBe(1);
    expect(value(parsed, 'warden_pool_waiters', { pool: 'conns' })).toBe(0);
    expect(value(parsed, 'warden_pool_utilisation_ratio', { pool: 'conns' })).toBe(0.25);
    expect(value(parsed, 'warden_pool_acquires_total', { pool: 'conns' })).toBe(1);
    expect(value(parsed, 'warden_pool_create_failures_total', { pool: 'conns' })).toBe(0);
    lease.release();
  });

  it('exposes its registry for merging into the application’s own', async () => {
    const { warden } = testWarden();
    warden.defineJob('mail', { run: () => undefined });
    await warden.start();
    await warden.waitForJob((await warden.enqueue('mail', {})).id);
    const mine = new Registry();
    new Counter({ name: 'app_requests_total', help: 'Requests.', registers: [mine] }).inc(3);

    const merged = Registry.merge([mine, warden.metricsRegistry]);
    const parsed = parseMetrics(await merged.metrics());

    expect(value(parsed, 'app_requests_total')).toBe(3);
    expect(value(parsed, 'warden_jobs_total', { type: 'mail', outcome: 'succeeded' })).toBe(1);
    expect(samples(parsed, 'warden_queue_depth')).toEqual({
      'type=mail,status=succeeded,priority=0': 1,
    });
  });

  it('prefixes every metric with warden_ and gives each a help text', async () => {
    const { warden } = testWarden();
    await warden.start();
    const parsed = parseMetrics(await warden.metrics());
    for (const [name, metric] of parsed) {
      expect(name).toMatch(/^warden_[a-z_]+$/);
      expect(metric.help.length).toBeGreaterThan(10);
    }
  });
});

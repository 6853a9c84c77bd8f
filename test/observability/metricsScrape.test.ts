import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/index.js';
import { EventBus } from '../../src/events/eventBus.js';
import type { WardenEvent } from '../../src/events/types.js';
import { WardenMetrics, type MetricsSources } from '../../src/observability/metrics/index.js';
import type { TreeNode } from '../../src/supervisor/supervision.js';
import { t0, testWarden } from '../helpers.js';
import { parseMetrics, value } from './metricsHelpers.js';

/** A supervision tree of one supervisor with one running worker. */
const tree: TreeNode = {
  id: 'root',
  kind: 'supervisor',
  state: 'running',
  restarts: 0,
  children: [{ id: 'feed', kind: 'worker', state: 'running', restarts: 0 }],
};

/** WardenMetrics on a real bus and a manual clock, counting how often a scrape reads the tree. */
function counted() {
  const clock = createManualClock(t0);
  const reads = { tree: 0 };
  const sources: MetricsSources = {
    clock,
    bus: new EventBus(() => undefined),
    jobCounts: () => Promise.resolve([]),
    breakers: () => [],
    pools: () => [],
    tree: () => {
      reads.tree++;
      return tree;
    },
  };
  return { metrics: new WardenMetrics(sources), reads, clock };
}

describe('a scrape of the state metrics', () => {
  it('reads the supervision tree once and every machine’s figures once, at one moment', async () => {
    const { metrics, reads, clock } = counted();
    const figures = metrics.states.figures.bind(metrics.states);
    const machinesRead: string[] = [];
    metrics.states.figures = (machine) => {
      machinesRead.push(machine);
      return figures(machine);
    };
    await metrics.text();
    expect(reads.tree).toBe(1);
    expect(machinesRead).toEqual(['job', 'slot', 'breaker', 'supervisor', 'actor']);
    await clock.advance(2000);
    const parsed = parseMetrics(await metrics.text());
    expect(reads.tree).toBe(2);
    expect(machinesRead).toHaveLength(10);
    expect(value(parsed, 'warden_actors_in_state', { machine: 'actor', state: 'running' })).toBe(1);
    expect(
      value(parsed, 'warden_actors_in_state', { machine: 'supervisor', state: 'running' }),
    ).toBe(1);
    expect(
      value(parsed, 'warden_state_seconds_total', { machine: 'actor', state: 'running' }),
    ).toBe(2);
  });

  it('is shared by scrapes that start in the same tick, and each state metric can be read alone', async () => {
    const { metrics, reads } = counted();
    await Promise.all([metrics.text(), metrics.registry.metrics()]);
    expect(reads.tree).toBe(1);
    const alone = await metrics.registry.getSingleMetricAsString('warden_actors_in_state');
    expect(reads.tree).toBe(2);
    expect(alone).toContain('warden_actors_in_state{machine="actor",state="running"} 1');
  });
});

describe('the metrics issue 10 lists', () => {
  it('are each declared in a scrape of a started Warden, by name and type', async () => {
    const { warden } = testWarden();
    await warden.start();
    const declared = [...(await warden.metrics()).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(
      (match) => `${match[1] ?? ''} ${match[2] ?? ''}`,
    );
    expect(declared.sort()).toEqual(
      [
        // jobs by type and outcome, attempts (retries are outcome="retried"), stalls, durations
        'warden_jobs_total counter',
        'warden_job_attempts_total counter',
        'warden_job_stalls_total counter',
        'warden_job_duration_seconds histogram',
        // queue depth by status and priority, dead letters
        'warden_queue_depth gauge',
        'warden_dead_letters gauge',
        // breakers
        'warden_breaker_state gauge',
        'warden_breaker_opens_total counter',
        // pools
        'warden_pool_size gauge',
        'warden_pool_borrowed gauge',
        'warden_pool_idle gauge',
        'warden_pool_creating gauge',
        'warden_pool_waiters gauge',
        'warden_pool_utilisation_ratio gauge',
        'warden_pool_consecutive_create_failures gauge',
        'warden_pool_create_failures_total counter',
        'warden_pool_acquire_timeouts_total counter',
        'warden_pool_acquires_total counter',
        // supervision: restarts per actor, escalations, dead-lettered actors
        'warden_actor_restarts_total counter',
        'warden_supervisor_escalations_total counter',
        'warden_actor_dead_letters_total counter',
        // time in state, for every state of every built-in machine
        'warden_state_seconds_total counter',
        'warden_actors_in_state gauge',
      ].sort(),
    );
  });
});

describe('WardenMetrics.dispose', () => {
  it('stops counting events', async () => {
    const bus = new EventBus(() => undefined);
    const metrics = new WardenMetrics({
      clock: createManualClock(t0),
      bus,
      jobCounts: () => Promise.resolve([]),
      breakers: () => [],
      pools: () => [],
      tree: () => undefined,
    });
    const restart: WardenEvent = {
      type: 'actor.restarting',
      at: t0,
      actorId: 'feed',
      supervisorId: 'root',
      restarts: 1,
      delayMs: 100,
    };
    bus.emit(restart);
    metrics.dispose();
    bus.emit(restart);
    const parsed = parseMetrics(await metrics.text());
    expect(value(parsed, 'warden_actor_restarts_total', { actor: 'feed' })).toBe(1);
  });
});

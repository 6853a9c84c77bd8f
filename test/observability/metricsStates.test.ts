import { describe, expect, it } from 'vitest';
import { builtInStates } from '../../src/observability/metrics/machineStates.js';
import { StateTally } from '../../src/observability/metrics/stateTally.js';
import { createManualClock } from '../../src/index.js';
import { deferred, t0, tempDatabase, testWarden } from '../helpers.js';
import { expectedStates, family, parseMetrics, samples } from './metricsHelpers.js';

/** `warden_state_seconds_total` or `warden_actors_in_state` of one machine, by state. */
function byState(
  parsed: ReturnType<typeof parseMetrics>,
  name: string,
  machine: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(samples(parsed, name))) {
    const [, m, state] = /^machine=([^,]+),state=(.+)$/.exec(key) ?? [];
    if (m === machine && state !== undefined) out[state] = n;
  }
  return out;
}

describe('StateTally', () => {
  const states = { all: ['a', 'b', 'done'], final: new Set(['done']) };

  it('adds up the time members spend in each state without a record per member', () => {
    const tally = new StateTally(states);
    tally.enter('a', 1000);
    tally.enter('a', 1500);
    tally.move('a', 'b', 2000); // one member: 1 s in a
    expect(tally.figures(3000)).toEqual([
      { state: 'a', count: 1, seconds: 1 + 1.5 },
      { state: 'b', count: 1, seconds: 1 },
      { state: 'done', count: 0, seconds: 0 },
    ]);
    tally.move('b', 'done', 4000);
    tally.move('a', 'done', 4000);
    expect(tally.figures(10_000)).toEqual([
      { state: 'a', count: 0, seconds: 1 + 2.5 },
      { state: 'b', count: 0, seconds: 2 },
      { state: 'done', count: 0, seconds: 0 },
    ]);
  });

  it('never lets a state’s seconds go down: leaving an empty state, or a clock that steps back', () => {
    const tally = new StateTally(states);
    tally.leave('a', 500);
    tally.enter('a', 1000);
    const before = tally.figures(5000);
    tally.move('a', 'b', 4000); // earlier than the last reading: taken as 5000
    const after = tally.figures(4500);
    expect(before[0]).toEqual({ state: 'a', count: 1, seconds: 4 });
    expect(after[0]).toEqual({ state: 'a', count: 0, seconds: 4 });
    expect(after[1]).toEqual({ state: 'b', count: 1, seconds: 0 });
  });

  it('ignores states its machine does not have', () => {
    const tally = new StateTally(states);
    tally.enter('nowhere', 0);
    tally.move('nowhere', 'a', 0);
    expect(tally.figures(1000).map((f) => f.count)).toEqual([1, 0, 0]);
  });
});

describe('the built-in machines’ states', () => {
  it('are read from the machines themselves, nested states included', () => {
    const read = Object.fromEntries(
      Object.entries(builtInStates).map(([name, { all }]) => [name, all]),
    );
    expect(read).toEqual(expectedStates);
    expect([...builtInStates.job.final]).toEqual(['succeeded']);
    expect([...builtInStates.slot.final]).toEqual(['destroyed']);
  });

  it('each appear in both state metrics, 0 when empty', async () => {
    const { warden } = testWarden();
    await warden.start();
    const parsed = parseMetrics(await warden.metrics());
    expect(family(parsed, 'warden_state_seconds_total').type).toBe('COUNTER');
    expect(family(parsed, 'warden_actors_in_state').type).toBe('GAUGE');
    for (const [machine, states] of Object.entries(expectedStates)) {
      const seconds = byState(parsed, 'warden_state_seconds_total', machine);
      const members = byState(parsed, 'warden_actors_in_state', machine);
      expect(Object.keys(seconds), machine).toEqual(states);
      expect(Object.keys(members), machine).toEqual(states);
    }
    expect(byState(parsed, 'warden_actors_in_state', 'slot')).toEqual(
      Object.fromEntries(expectedStates['slot']?.map((state) => [state, 0]) ?? []),
    );
    // root, breakers and pools (the job runner's node, jobs, is a worker)
    expect(byState(parsed, 'warden_actors_in_state', 'supervisor')['running']).toBe(3);
  });
});

describe('time in state', () => {
  it('follows each job through its statuses, its attempt and its fallback', async () => {
    const { warden, clock } = testWarden();
    const attempt = deferred();
    const fallback = deferred();
    warden.defineJob('report', {
      retry: { attempts: 1 },
      run: async () => {
        await attempt.promise;
        throw new Error('no data');
      },
      fallback: async () => {
        await fallback.promise;
        return 'empty report';
      },
    });
    await warden.start();

    const job = await warden.enqueue('report', {}, { delayMs: 1000 });
    await clock.advance(1000); // 1 s scheduled, then queued, claimed and started at once
    await clock.advance(500);
    const running = parseMetrics(await warden.metrics());
    expect(byState(running, 'warden_actors_in_state', 'job')).toMatchObject({
      scheduled: 0,
      running: 1,
      'running.attempt': 1,
      'running.fallback': 0,
    });
    attempt.resolve();
    await clock.settle();
    await clock.advance(2000);
    fallback.resolve();
    await warden.waitForJob(job.id);
    await clock.advance(60_000); // a final state accrues nothing

    const parsed = parseMetrics(await warden.metrics());
    expect(byState(parsed, 'warden_state_seconds_total', 'job')).toEqual({
      new: 0,
      scheduled: 1,
      queued: 0,
      claimed: 0,
      running: 2.5,
      'running.attempt': 0.5,
      'running.fallback': 2,
      retrying: 0,
      succeeded: 0,
      cancelled: 0,
      dead: 0,
    });
    expect(byState(parsed, 'warden_actors_in_state', 'job')).toMatchObject({
      running: 0,
      'running.attempt': 0,
      'running.fallback': 0,
      succeeded: 0,
    });
  });

  it('counts the jobs already stored at start, and their time from then on', async () => {
    const clock = createManualClock(t0);
    const file = tempDatabase();
    const first = testWarden({ database: file, clock });
    first.warden.defineJob('waits', { run: () => undefined });
    await first.warden.start();
    await first.warden.enqueue('waits', {}, { delayMs: 3_600_000 });
    await first.warden.enqueue('waits', {}, { delayMs: 3_600_000 });
    await clock.advance(5000);
    await first.warden.stop();

    const second = testWarden({ database: file, clock });
    second.warden.defineJob('waits', { run: () => undefined });
    await second.warden.start();
    await clock.advance(10_000);

    const parsed = parseMetrics(await second.warden.metrics());
    expect(byState(parsed, 'warden_actors_in_state', 'job')['scheduled']).toBe(2);
    // 10 s each since this Warden started: the 5 s before belong to the first one's counter.
    expect(byState(parsed, 'warden_state_seconds_total', 'job')['scheduled']).toBe(20);
  });

  it('follows actors through restarts, supervisors, breakers and pool slots', async () => {
    const { warden, clock } = testWarden();
    await warden.start();
    let runs = 0;
    await warden.supervise({
      id: 'feed',
      backoff: { type: 'fixed', delayMs: 250, jitter: 0 },
      start: async ({ signal }) => {
        runs++;
        if (runs === 1) throw new Error('crash');
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
      },
    });
    await clock.advance(250); // restarting for 250 ms
    const breaker = warden.breaker('smtp');
    await clock.advance(1000);
    breaker.isolate();
    await clock.advance(4000);
    const created = deferred<object>();
    warden.pool('conns', { create: () => created.promise, min: 1, max: 1 });
    await clock.advance(300);
    created.resolve({});
    await clock.settle();
    await clock.advance(700);

    const parsed = parseMetrics(await warden.metrics());
    const actor = byState(parsed, 'warden_state_seconds_total', 'actor');
    expect(actor['restarting']).toBe(0.25);
    expect(byState(parsed, 'warden_state_seconds_total', 'breaker')).toMatchObject({
      closed: 1,
      isolated: 5,
      open: 0,
    });
    expect(byState(parsed, 'warden_state_seconds_total', 'slot')).toMatchObject({
      creating: 0.3,
      idle: 0.7,
    });
    expect(byState(parsed, 'warden_actors_in_state', 'slot')).toMatchObject({ idle: 1 });
    expect(byState(parsed, 'warden_actors_in_state', 'breaker')).toMatchObject({ isolated: 1 });
    expect(byState(parsed, 'warden_actors_in_state', 'actor')['restarting']).toBe(0);
  });
});

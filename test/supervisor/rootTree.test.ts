import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import {
  createManualClock,
  supervisor,
  SupervisorEscalatedError,
  type ManualClock,
} from '../../src/index.js';
import { deferred, tempDatabase, testWarden } from '../helpers.js';
import { controlled, nodeOf, systemChildren, t0, take, traceActors } from './fixtures.js';

/** A running Warden with a `work` job type whose runs wait for the returned gates. */
async function withJobs(options: Parameters<typeof testWarden>[0] = {}) {
  const fatal = vi.fn<(error: Error) => void>();
  const { warden, clock } = testWarden({ onFatal: fatal, ...options });
  const gates: ReturnType<typeof deferred<string>>[] = [];
  warden.defineJob('work', {
    run: (_payload, ctx) => {
      const gate = deferred<string>();
      gates.push(gate);
      ctx.signal.addEventListener('abort', () => gate.reject(ctx.signal.reason), { once: true });
      return gate.promise;
    },
  });
  await warden.start();
  return { warden, clock, fatal, gates };
}

/** Enqueues a `work` job and checks the job runner runs it to the end. */
async function runsAJob(
  warden: Awaited<ReturnType<typeof withJobs>>['warden'],
  clock: ManualClock,
  gates: ReturnType<typeof deferred<string>>[],
): Promise<void> {
  const job = await warden.enqueue('work', {});
  await clock.settle();
  for (const gate of gates) gate.resolve('done');
  expect(await warden.waitForJob(job.id)).toMatchObject({ status: 'succeeded', result: 'done' });
}

describe('the root’s stop order', () => {
  it('stops the user’s trees in reverse start order, then jobs after its grace, then pools, then breakers', async () => {
    const { warden, clock, gates } = await withJobs();
    await warden.supervise(supervisor({ id: 'first', children: [controlled('a').spec] }));
    await warden.supervise(controlled('second').spec);
    await warden.enqueue('work', {});
    await clock.settle();
    const trace = traceActors(warden, { timed: true });

    const stopping = warden.stop({ graceMs: 1000 });
    await clock.advance(400);
    expect(take(trace)).toEqual([
      '+0ms actor.exited second shutdown',
      '+0ms actor.exited a shutdown',
      '+0ms actor.exited first shutdown',
    ]);
    // A running job may still call breakers and pools within its grace: they are still up.
    expect(nodeOf(warden.tree(), 'breakers')?.state).toBe('running');
    expect(nodeOf(warden.tree(), 'pools')?.state).toBe('running');
    gates[0]?.resolve('done');
    await stopping;

    expect(trace).toEqual([
      '+400ms actor.exited jobs shutdown',
      '+400ms actor.exited pools shutdown',
      '+400ms actor.exited breakers shutdown',
      '+400ms actor.exited root shutdown',
    ]);
  });
});

describe('a top-level user tree that spends its restart budget', () => {
  it('is dead-lettered by default, while the job runner keeps running jobs', async () => {
    const { warden, clock, fatal, gates } = await withJobs();
    const flaky = controlled('flaky', { backoff: { type: 'fixed', delayMs: 10 } });
    await warden.supervise(supervisor({ id: 'app', maxRestarts: 1, children: [flaky.spec] }));
    const trace = traceActors(warden, { timed: true });

    flaky.current.crash('first');
    await clock.advance(10);
    flaky.current.crash('second');
    await clock.advance(60_000);

    expect(trace).toEqual([
      '+0ms actor.exited flaky abnormal',
      '+0ms actor.restarting flaky in 10ms',
      '+10ms actor.started flaky',
      '+10ms actor.exited flaky abnormal',
      '+10ms supervisor.escalated app',
      '+10ms actor.exited app abnormal',
      '+10ms actor.dead app',
    ]);
    expect(warden.tree().children?.map((child) => `${child.id} ${child.state}`)).toEqual([
      ...systemChildren(),
      'app dead',
    ]);
    expect(await warden.deadActors()).toMatchObject([
      { actorId: 'app', supervisorId: 'root', kind: 'supervisor', at: t0 + 10 },
    ]);
    // Dead-lettered, not escalated: degraded, the root up.
    expect(warden.health().checks.supervision).toMatchObject({
      status: 'degraded',
      root: 'running',
      escalations: 1,
      deadActors: ['app'],
    });
    expect(fatal).not.toHaveBeenCalled();
    await runsAJob(warden, clock, gates);
    take(trace);

    await warden.restartActor('app');

    expect(trace).toEqual([
      '+60010ms actor.revived app',
      '+60010ms actor.started app',
      '+60010ms actor.started flaky',
    ]);
    expect(await warden.deadActors()).toEqual([]);
    expect(flaky.runs).toHaveLength(3);
  });

  it('is dead-lettered when it is a worker whose own budget at the root is spent', async () => {
    const { warden, clock, fatal, gates } = await withJobs({
      supervision: { maxRestarts: 2, withinMs: 10_000 },
    });
    const loop = controlled('loop', { backoff: { type: 'fixed', delayMs: 0 } });
    await warden.supervise(loop.spec);
    const trace = traceActors(warden);

    for (let i = 0; i < 3; i++) {
      loop.current.crash();
      await clock.settle();
    }

    expect(trace.filter((line) => !line.startsWith('actor.started'))).toEqual([
      'actor.exited loop abnormal',
      'actor.restarting loop in 0ms',
      'actor.exited loop abnormal',
      'actor.restarting loop in 0ms',
      'actor.exited loop abnormal',
      'actor.dead loop',
    ]);
    expect(fatal).not.toHaveBeenCalled();
    expect(warden.health().checks.supervision).toMatchObject({
      status: 'degraded',
      root: 'running',
      deadActors: ['loop'],
    });
    await runsAJob(warden, clock, gates);
  });

  it('spends a budget of its own at the root: another tree still gets the root’s whole intensity', async () => {
    const { warden, clock } = await withJobs({ supervision: { maxRestarts: 1, withinMs: 10_000 } });
    const a = controlled('a', { backoff: { type: 'fixed', delayMs: 0 } });
    const b = controlled('b', { backoff: { type: 'fixed', delayMs: 0 } });
    await warden.supervise(a.spec);
    await warden.supervise(b.spec);
    const trace = traceActors(warden);

    a.current.crash();
    await clock.settle();
    b.current.crash();
    await clock.settle();
    a.current.crash();
    await clock.settle();

    expect(trace).toEqual([
      'actor.exited a abnormal',
      'actor.restarting a in 0ms',
      'actor.started a',
      // One root budget for both would have been spent by now.
      'actor.exited b abnormal',
      'actor.restarting b in 0ms',
      'actor.started b',
      'actor.exited a abnormal',
      'actor.dead a',
    ]);
  });

  it('keeps its budget at the root across a close and reopen of the database', async () => {
    const database = tempDatabase();
    const clock = createManualClock(t0);
    const open = async () => {
      const { warden } = testWarden({ database, clock, supervision: { maxRestarts: 1 } });
      const loop = controlled('loop', { backoff: { type: 'fixed', delayMs: 0 } });
      await warden.start();
      await warden.supervise(loop.spec);
      return { warden, loop, trace: traceActors(warden) };
    };
    const first = await open();
    first.loop.current.crash();
    await clock.settle();
    expect(first.trace).toEqual([
      'actor.exited loop abnormal',
      'actor.restarting loop in 0ms',
      'actor.started loop',
    ]);
    await first.warden.stop();
    await clock.advance(1000);

    const second = await open();
    second.loop.current.crash();
    await clock.settle();

    expect(second.trace).toEqual(['actor.exited loop abnormal', 'actor.dead loop']);
  });

  it('does not spend the budget that guards the job runner', async () => {
    const filename = tempDatabase();
    const { warden, clock, fatal, gates } = await withJobs({
      database: filename,
      supervision: { maxRestarts: 1, withinMs: 60_000 },
    });
    const loop = controlled('loop', { backoff: { type: 'fixed', delayMs: 0 } });
    await warden.supervise(loop.spec);
    loop.current.crash();
    await clock.settle();
    loop.current.crash();
    await clock.settle();
    expect(nodeOf(warden.tree(), 'loop')?.state).toBe('dead');
    const job = await warden.enqueue('work', {});
    await clock.settle();
    const trace = traceActors(warden);

    // The database refuses the job's outcome until the job runner gives up and is restarted.
    const db = new Database(filename);
    db.exec(`CREATE TRIGGER refuse BEFORE UPDATE ON jobs BEGIN SELECT RAISE(ABORT, 'full'); END;`);
    gates[0]?.resolve('done');
    await clock.advance(1500);
    db.exec('DROP TRIGGER refuse');
    db.close();
    await clock.advance(100);

    expect(trace.filter((line) => line.split(' ')[1] === 'jobs')).toEqual([
      'actor.exited jobs abnormal',
      'actor.restarting jobs in 100ms',
      'actor.started jobs',
    ]);
    expect(fatal).not.toHaveBeenCalled();
    // The restarted runner recovered the job whose outcome was refused, as stalled.
    expect(warden.health().checks).toMatchObject({
      supervision: { status: 'degraded', root: 'running', deadActors: ['loop'] },
      store: { status: 'healthy', writable: true },
      stalls: { status: 'degraded', recent: 1 },
    });
    expect((await warden.getJob(job.id))?.status).toBe('retrying');
    await runsAJob(warden, clock, gates);
  });
});

describe('a top-level user tree with onExhausted: escalate', () => {
  it('escalates into the root, which restarts it within its intensity, then gives up and stops everything', async () => {
    const { warden, clock, fatal } = await withJobs({ supervision: { maxRestarts: 1 } });
    const w = controlled('w');
    await warden.supervise(
      supervisor({ id: 'app', maxRestarts: 0, onExhausted: 'escalate', children: [w.spec] }),
    );
    const trace = traceActors(warden, { timed: true });

    w.current.crash('w failed');
    await clock.advance(100);
    w.current.crash('w failed again');
    await clock.settle();

    expect(trace).toEqual([
      '+0ms actor.exited w abnormal',
      '+0ms supervisor.escalated app',
      '+0ms actor.exited app abnormal',
      '+0ms actor.restarting app in 100ms',
      '+100ms actor.started app',
      '+100ms actor.started w',
      '+100ms actor.exited w abnormal',
      '+100ms supervisor.escalated app',
      '+100ms actor.exited app abnormal',
      '+100ms supervisor.escalated root',
      '+100ms actor.exited jobs shutdown',
      '+100ms actor.exited pools shutdown',
      '+100ms actor.exited breakers shutdown',
      '+100ms actor.exited root abnormal',
    ]);
    expect(fatal).toHaveBeenCalledTimes(1);
    const error = fatal.mock.calls[0]?.[0];
    expect(error).toBeInstanceOf(SupervisorEscalatedError);
    expect((error as SupervisorEscalatedError).supervisorId).toBe('root');
    expect(
      ((error as SupervisorEscalatedError).cause as SupervisorEscalatedError).supervisorId,
    ).toBe('app');
    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      checks: { supervision: { status: 'unhealthy', root: 'failed' } },
      error: { code: 'ESCALATED' },
    });
    expect(await warden.deadActors()).toEqual([]);
    await expect(warden.enqueue('work', {})).rejects.toMatchObject({ code: 'NOT_RUNNING' });
  });
});

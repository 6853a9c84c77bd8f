import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createManualClock,
  supervisor,
  SupervisorEscalatedError,
  type ChildSpec,
  type Warden,
} from '../../src/index.js';
import { tempDatabase, testWarden } from '../helpers.js';
import { controlled, nodeOf, t0, take, traceActors } from './fixtures.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('after the root gives up', () => {
  it('refuses new work at once instead of leaving enqueue pending forever', async () => {
    const { warden, clock } = testWarden({
      supervision: { maxRestarts: 0, withinMs: 1000 },
      onFatal: () => undefined,
    });
    warden.defineJob('noop', { run: () => undefined });
    // A top-level tree escalates into the root only when it says so.
    const a = controlled('a', { onExhausted: 'escalate' });
    await warden.start();
    await warden.supervise(a.spec);
    a.current.crash();
    await clock.settle();
    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      checks: { supervision: { status: 'unhealthy', root: 'failed' } },
    });
    await expect(warden.enqueue('noop', {})).rejects.toMatchObject({
      code: 'NOT_RUNNING',
      message: 'cannot enqueue: Warden is down: its root supervisor gave up',
    });
  });
});

describe('restart intensity', () => {
  it('gives up on the restart past maxRestarts within withinMs: stops the other children in reverse order and fails to its parent', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a');
    const b = controlled('b');
    const c = controlled('c', { backoff: { type: 'fixed', delayMs: 10 } });
    await warden.start();
    await warden.supervise(
      supervisor({
        id: 'sup',
        maxRestarts: 2,
        withinMs: 1000,
        onExhausted: 'escalate',
        children: [a.spec, b.spec, c.spec],
      }),
    );
    const trace = traceActors(warden, { timed: true });

    c.current.crash();
    await clock.advance(10);
    c.current.crash();
    await clock.advance(10);
    expect(take(trace)).toEqual([
      '+0ms actor.exited c abnormal',
      '+0ms actor.restarting c in 10ms',
      '+10ms actor.started c',
      '+10ms actor.exited c abnormal',
      '+10ms actor.restarting c in 10ms',
      '+20ms actor.started c',
    ]);

    c.current.crash('third crash');
    await clock.settle();

    expect(take(trace)).toEqual([
      '+20ms actor.exited c abnormal',
      '+20ms supervisor.escalated sup',
      '+20ms actor.exited b shutdown',
      '+20ms actor.exited a shutdown',
      '+20ms actor.exited sup abnormal',
      // The root applies its own strategy (one-for-one, 3 in 5 s): it restarts `sup`.
      '+20ms actor.restarting sup in 100ms',
    ]);
    expect(c.runs).toHaveLength(3);
    expect(nodeOf(warden.tree(), 'sup')).toMatchObject({
      state: 'failed',
      lastError: {
        name: 'SupervisorEscalatedError',
        code: 'ESCALATED',
        message: 'supervisor `sup` exceeded 2 restarts within 1000 ms and stopped its children',
      },
    });
  });

  it('never gives up on crashes spaced further apart than withinMs', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a', { backoff: { type: 'fixed', delayMs: 0 } });
    await warden.start();
    await warden.supervise(
      supervisor({ id: 'sup', maxRestarts: 1, withinMs: 500, children: [a.spec] }),
    );
    const trace = traceActors(warden);

    for (let i = 0; i < 5; i++) {
      a.current.crash();
      // A restart exactly withinMs ago has left the window.
      await clock.advance(500);
    }

    expect(a.runs).toHaveLength(6);
    expect(trace.filter((line) => line.startsWith('supervisor.'))).toEqual([]);
    expect(warden.health().checks.supervision).toMatchObject({
      status: 'healthy',
      root: 'running',
      escalations: 0,
    });
  });

  it('counts restarts of every child of the supervisor against one budget', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a', { backoff: { type: 'fixed', delayMs: 0 } });
    const b = controlled('b', { backoff: { type: 'fixed', delayMs: 0 } });
    await warden.start();
    await warden.supervise(
      supervisor({ id: 'sup', maxRestarts: 1, withinMs: 1000, children: [a.spec, b.spec] }),
    );
    const trace = traceActors(warden);

    a.current.crash();
    await clock.settle();
    b.current.crash();
    await clock.settle();

    expect(trace.slice(0, 4)).toEqual([
      'actor.exited a abnormal',
      'actor.restarting a in 0ms',
      'actor.started a',
      'actor.exited b abnormal',
    ]);
    expect(trace[4]).toBe('supervisor.escalated sup');
  });

  it('does not hand a restarted supervisor a fresh budget: its window comes from the recorded history', async () => {
    const { warden, clock } = testWarden();
    const a = controlled('a', { backoff: { type: 'fixed', delayMs: 0 } });
    await warden.start();
    await warden.supervise(
      supervisor({
        id: 'sup',
        maxRestarts: 1,
        withinMs: 10_000,
        onExhausted: 'escalate',
        backoff: { type: 'fixed', delayMs: 0 },
        children: [a.spec],
      }),
    );
    const trace = traceActors(warden);

    a.current.crash();
    await clock.settle();
    a.current.crash();
    await clock.settle();
    expect(take(trace)).toEqual([
      'actor.exited a abnormal',
      'actor.restarting a in 0ms',
      'actor.started a',
      'actor.exited a abnormal',
      'supervisor.escalated sup',
      'actor.exited sup abnormal',
      'actor.restarting sup in 0ms',
      'actor.started sup',
      'actor.started a',
    ]);

    // Restarted by the root, `sup` still counts a's restart in the last 10 s.
    a.current.crash();
    await clock.settle();
    expect(take(trace)).toEqual([
      'actor.exited a abnormal',
      'supervisor.escalated sup',
      'actor.exited sup abnormal',
      'actor.restarting sup in 0ms',
      'actor.started sup',
      'actor.started a',
    ]);
  });
});

describe('escalation', () => {
  /** root > l1 > l2 > l3, each with a worker beside the next level; l3b is the one that crashes. */
  function threeLevels(): { spec: ChildSpec; crash: () => void } {
    const l1w = controlled('l1w');
    const l2w = controlled('l2w');
    const l3a = controlled('l3a');
    const l3b = controlled('l3b');
    const spec = supervisor({
      id: 'l1',
      maxRestarts: 0,
      onExhausted: 'escalate',
      children: [
        l1w.spec,
        supervisor({
          id: 'l2',
          maxRestarts: 0,
          children: [
            l2w.spec,
            supervisor({ id: 'l3', maxRestarts: 1, children: [l3a.spec, l3b.spec] }),
          ],
        }),
      ],
    });
    return { spec, crash: () => l3b.current.crash('l3b gave up') };
  }

  async function escalateToRoot(onFatal?: (error: Error) => void) {
    const exit = vi.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    const lines: string[] = [];
    const logger = pino(
      { base: null, timestamp: false },
      { write: (line: string) => lines.push(line) },
    );
    const { warden, clock } = testWarden({
      logger,
      supervision: { maxRestarts: 0 },
      ...(onFatal === undefined ? {} : { onFatal }),
    });
    const { spec, crash } = threeLevels();
    await warden.start();
    await warden.supervise(spec);
    const trace = traceActors(warden, { timed: true });
    expect(warden.health()).toMatchObject({
      lifecycle: 'running',
      running: 0,
      checks: {
        supervision: { status: 'healthy', root: 'running' },
        store: { status: 'healthy', writable: true },
      },
    });
    expect(warden.health().error).toBeUndefined();
    crash();
    await clock.advance(100);
    crash();
    await clock.advance(100);
    return { warden, clock, trace, exit, lines };
  }

  it('fails through three levels of supervisors up to the root, each stopping its children in reverse order', async () => {
    const { trace } = await escalateToRoot(() => undefined);

    expect(trace).toEqual([
      '+0ms actor.exited l3b abnormal',
      '+0ms actor.restarting l3b in 100ms',
      '+100ms actor.started l3b',
      '+100ms actor.exited l3b abnormal',
      '+100ms supervisor.escalated l3',
      '+100ms actor.exited l3a shutdown',
      '+100ms actor.exited l3 abnormal',
      '+100ms supervisor.escalated l2',
      '+100ms actor.exited l2w shutdown',
      '+100ms actor.exited l2 abnormal',
      '+100ms supervisor.escalated l1',
      '+100ms actor.exited l1w shutdown',
      '+100ms actor.exited l1 abnormal',
      '+100ms supervisor.escalated root',
      '+100ms actor.exited jobs shutdown',
      '+100ms actor.exited pools shutdown',
      '+100ms actor.exited breakers shutdown',
      '+100ms actor.exited root abnormal',
    ]);
  });

  it('emits supervisor.escalated for each level with its parent and its error', async () => {
    const { warden, clock } = testWarden({
      supervision: { maxRestarts: 0 },
      onFatal: () => undefined,
    });
    const escalated: unknown[] = [];
    warden.on('supervisor.escalated', (event) => escalated.push(event));
    const { spec, crash } = threeLevels();
    await warden.start();
    await warden.supervise(spec);
    crash();
    await clock.advance(100);
    crash();
    await clock.settle();

    const at = t0 + 100;
    const error = (id: string, max: number) => ({
      name: 'SupervisorEscalatedError',
      code: 'ESCALATED',
      message: `supervisor \`${id}\` exceeded ${max} restarts within 5000 ms and stopped its children`,
      stack: expect.any(String) as unknown,
    });
    expect(escalated).toEqual([
      {
        type: 'supervisor.escalated',
        actorId: 'l3',
        supervisorId: 'l2',
        at,
        restarts: 0,
        error: error('l3', 1),
      },
      {
        type: 'supervisor.escalated',
        actorId: 'l2',
        supervisorId: 'l1',
        at,
        restarts: 0,
        error: error('l2', 0),
      },
      {
        type: 'supervisor.escalated',
        actorId: 'l1',
        supervisorId: 'root',
        at,
        restarts: 0,
        error: error('l1', 0),
      },
      {
        type: 'supervisor.escalated',
        actorId: 'root',
        supervisorId: null,
        at,
        restarts: 0,
        error: error('root', 0),
      },
    ]);
  });

  it('reports unhealthy with the error, calls onFatal once with the chain of causes, and never exits the process', async () => {
    const onFatal = vi.fn<(error: Error) => void>();
    const { warden, clock, exit } = await escalateToRoot(onFatal);
    await clock.advance(60_000);

    expect(warden.health()).toMatchObject({
      status: 'unhealthy',
      lifecycle: 'running',
      running: 0,
      checks: {
        supervision: { status: 'unhealthy', root: 'failed' },
        store: { status: 'healthy', writable: true },
      },
    });
    expect(warden.health().error).toEqual({
      name: 'SupervisorEscalatedError',
      code: 'ESCALATED',
      message: 'supervisor `root` exceeded 0 restarts within 5000 ms and stopped its children',
      stack: expect.any(String) as unknown,
    });
    expect(onFatal).toHaveBeenCalledTimes(1);
    const causes: string[] = [];
    for (
      let error: unknown = onFatal.mock.calls[0]![0];
      error instanceof Error;
      error = error.cause
    ) {
      causes.push(error instanceof SupervisorEscalatedError ? error.supervisorId : error.message);
    }
    expect(causes).toEqual(['root', 'l1', 'l2', 'l3', 'l3b gave up']);
    expect(exit).not.toHaveBeenCalled();

    await warden.stop();
    expect(onFatal).toHaveBeenCalledTimes(1);
    expect(exit).not.toHaveBeenCalled();
  });

  it('logs the failure at fatal level when no onFatal is given, and never exits the process', async () => {
    const { warden, exit, lines } = await escalateToRoot();

    const fatal = lines
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { type: string } })
      .filter((entry) => entry.level === 60);
    expect(fatal).toEqual([
      expect.objectContaining({
        msg: 'the root supervisor gave up',
        err: expect.objectContaining({ type: 'SupervisorEscalatedError' }) as unknown,
      }),
    ]);
    expect(warden.health().status).toBe('unhealthy');
    expect(exit).not.toHaveBeenCalled();
  });

  it('keeps an intermediate supervisor with budget left from escalating: it restarts the failed level', async () => {
    const { warden, clock } = testWarden({ onFatal: () => undefined });
    const w = controlled('w', { backoff: { type: 'fixed', delayMs: 0 } });
    await warden.start();
    await warden.supervise(
      supervisor({
        id: 'outer',
        maxRestarts: 5,
        withinMs: 60_000,
        children: [
          supervisor({
            id: 'inner',
            maxRestarts: 0,
            backoff: { type: 'fixed', delayMs: 50 },
            children: [w.spec],
          }),
        ],
      }),
    );
    const trace = traceActors(warden, { timed: true });

    w.current.crash();
    await clock.advance(50);

    expect(trace).toEqual([
      '+0ms actor.exited w abnormal',
      '+0ms supervisor.escalated inner',
      '+0ms actor.exited inner abnormal',
      '+0ms actor.restarting inner in 50ms',
      '+50ms actor.started inner',
      '+50ms actor.started w',
    ]);
    // The root is up; the escalation below it counts for the window.
    expect(warden.health().checks.supervision).toMatchObject({
      status: 'degraded',
      root: 'running',
      escalations: 1,
      deadActors: [],
    });
  });
});

describe('restart history across a close and reopen of the database', () => {
  /** The same supervisor in every process: up to 3 restarts within 5 s. */
  function flakySpec() {
    const flaky = controlled('flaky');
    return {
      flaky,
      spec: supervisor({ id: 'sup', maxRestarts: 3, withinMs: 5000, children: [flaky.spec] }),
    };
  }

  async function open(database: string, clock: ReturnType<typeof createManualClock>) {
    const { warden } = testWarden({ database, clock });
    const { flaky, spec } = flakySpec();
    await warden.supervise(spec);
    const trace = traceActors(warden, { timed: true });
    await warden.start();
    take(trace);
    return { warden, flaky, trace };
  }

  async function firstRun(
    database: string,
    clock: ReturnType<typeof createManualClock>,
  ): Promise<Warden> {
    const { warden, flaky, trace } = await open(database, clock);
    flaky.current.crash();
    await clock.advance(100);
    flaky.current.crash();
    await clock.advance(200);
    expect(trace).toEqual([
      '+0ms actor.exited flaky abnormal',
      '+0ms actor.restarting flaky in 100ms',
      '+100ms actor.started flaky',
      '+100ms actor.exited flaky abnormal',
      '+100ms actor.restarting flaky in 200ms',
      '+300ms actor.started flaky',
    ]);
    await warden.stop();
    return warden;
  }

  it('gives the reopened supervisor only what is left of its budget, so it gives up sooner', async () => {
    const database = tempDatabase();
    const clock = createManualClock(t0);
    await firstRun(database, clock);
    await clock.advance(1000);

    const { flaky, trace } = await open(database, clock);
    flaky.current.crash();
    await clock.advance(400);
    flaky.current.crash();
    await clock.settle();

    expect(trace.slice(0, 5)).toEqual([
      // The third restart in the window: its backoff continues from the history too.
      '+1300ms actor.exited flaky abnormal',
      '+1300ms actor.restarting flaky in 400ms',
      '+1700ms actor.started flaky',
      '+1700ms actor.exited flaky abnormal',
      '+1700ms supervisor.escalated sup',
    ]);
  });

  it('gives a full budget again once the recorded restarts have left the window', async () => {
    const database = tempDatabase();
    const clock = createManualClock(t0);
    await firstRun(database, clock);
    await clock.advance(5000);

    const { flaky, trace } = await open(database, clock);
    for (let i = 0; i < 3; i++) {
      flaky.current.crash();
      await clock.advance(1000);
    }

    expect(trace.filter((line) => !line.includes('actor.started'))).toEqual([
      '+5300ms actor.exited flaky abnormal',
      '+5300ms actor.restarting flaky in 100ms',
      '+6300ms actor.exited flaky abnormal',
      '+6300ms actor.restarting flaky in 200ms',
      '+7300ms actor.exited flaky abnormal',
      '+7300ms actor.restarting flaky in 400ms',
    ]);
  });
});

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import {
  createManualClock,
  createWarden,
  InvalidOptionError,
  type WardenEvent,
  WardenError,
} from '../../src/index.js';
import { maxTimerMs } from '../../src/actors/jobDefinition.js';
import { deferred, rejection, tempDatabase, testWarden } from '../helpers.js';

const day = 24 * 60 * 60 * 1000;

/** A value nested `depth` arrays deep. */
function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('options that were accepted and broke later', () => {
  it('refuses a logger that is not a pino logger, naming what it lacks', () => {
    const error = (() => {
      try {
        createWarden({ database: ':memory:', logger: { info: () => undefined } as never });
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).message).toContain('`fatal()`');
  });

  it('refuses a clock whose now() is not a finite number, and a manual clock set to NaN', async () => {
    const stringClock = { ...createManualClock(0), now: () => 'noon' };
    expect(
      await rejection(() => createWarden({ database: ':memory:', clock: stringClock as never })),
    ).toMatchObject({ code: 'INVALID_OPTION' });
    expect(await rejection(() => createManualClock(Number.NaN))).toMatchObject({
      code: 'INVALID_OPTION',
    });
    const clock = createManualClock(1000);
    expect(await rejection(() => clock.advance(-5))).toMatchObject({ code: 'INVALID_OPTION' });
    expect(await rejection(() => clock.advance('10' as never))).toMatchObject({
      code: 'INVALID_OPTION',
    });
    expect(clock.now()).toBe(1000);
  });

  it('refuses event names Warden never emits, and listeners that are not functions', () => {
    const { warden } = testWarden();
    expect(() => warden.on('job.nope' as never, () => undefined)).toThrow(InvalidOptionError);
    expect(() => warden.on('job.dead', 5 as never)).toThrow(InvalidOptionError);
  });

  it('rejects bad stop options with a rejected promise, not a synchronous throw', async () => {
    const { warden } = testWarden();
    await warden.start();
    let promise: Promise<void> | undefined;
    expect(() => {
      promise = warden.stop({ graceMs: -1 });
    }).not.toThrow();
    await expect(promise).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('refuses `xstate.*` events, which would fake an actor’s exit', async () => {
    const { warden } = testWarden();
    await warden.start();
    await warden.supervise({
      id: 'm',
      logic: createMachine({ initial: 'idle', states: { idle: {} } }),
    });
    expect(() => warden.send('m', { type: 'xstate.stop' })).toThrow(InvalidOptionError);
    expect(warden.health().checks.supervision).toMatchObject({
      status: 'healthy',
      root: 'running',
    });
  });

  it('names no job by an id past 2^53, where two ids would read as one number', async () => {
    const filename = tempDatabase();
    const { warden } = testWarden({ database: filename });
    await warden.start();
    await warden.stop();
    const raw = new Database(filename);
    raw
      .prepare(
        `INSERT INTO jobs (id, type, status, payload, run_at, max_attempts, created_at, updated_at, last_event)
         VALUES (9007199254740992, 'work', 'queued', '{}', 0, 1, 0, 0, 'ENQUEUE')`,
      )
      .run();
    raw.close();
    const again = testWarden({ database: filename });
    await again.warden.start();
    expect((await again.warden.listJobs()).map((job) => job.id)).toEqual(['9007199254740992']);
    // Read as a JavaScript number, this id would be 9007199254740992: that job is not it.
    expect(await again.warden.getJob('9007199254740993')).toBeUndefined();
  });
});

describe('enqueue input', () => {
  it('refuses a hole in enqueueMany’s array, storing nothing', async () => {
    const { warden } = testWarden();
    warden.defineJob('work', { run: () => undefined });
    await warden.start();
    const items = [{ type: 'work', payload: 1 }, undefined, { type: 'work', payload: 2 }];
    // eslint-disable-next-line @typescript-eslint/no-array-delete -- a sparse array is the input under test
    delete items[1];

    const error = await rejection(() => warden.enqueueMany(items as never));

    expect(error).toMatchObject({ code: 'INVALID_OPTION' });
    expect((error as Error).message).toContain('items[1]');
    expect(await warden.listJobs()).toEqual([]);
  });

  it('refuses payloads nested too deeply or with a getter that throws', async () => {
    const { warden } = testWarden();
    warden.defineJob('work', { run: () => undefined });
    await warden.start();
    const deep = await rejection(() => warden.enqueue('work', nested(20_000)));
    expect(deep).toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect((deep as Error).message).toContain('nested too deeply');
    const trap = {
      get secret(): never {
        throw new Error('no peeking');
      },
    };
    const getter = await rejection(() => warden.enqueue('work', trap));
    expect(getter).toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect((getter as Error).message).toContain('no peeking');
    expect(await warden.listJobs()).toEqual([]);
  });

  it('refuses a validate that returns a Promise, storing nothing', async () => {
    const { warden } = testWarden();
    warden.defineJob('work', {
      run: () => undefined,
      validate: (() => Promise.reject(new Error('async no'))) as never,
    });
    await warden.start();
    const error = await rejection(() => warden.enqueue('work', {}));
    expect(error).toMatchObject({ code: 'INVALID_OPTION' });
    expect((error as Error).message).toContain('returned a Promise');
    expect(await warden.listJobs()).toEqual([]);
  });

  it('bounds delayMs and runAt', async () => {
    const { warden, clock } = testWarden();
    warden.defineJob('work', { run: () => undefined });
    await warden.start();
    expect(await rejection(() => warden.enqueue('work', {}, { delayMs: 2 ** 60 }))).toMatchObject({
      code: 'INVALID_OPTION',
    });
    expect(await rejection(() => warden.enqueue('work', {}, { runAt: 1e300 }))).toMatchObject({
      code: 'INVALID_OPTION',
    });
    const in500Years = new Date(clock.now() + 500 * 365 * day);
    expect(await rejection(() => warden.enqueue('work', {}, { runAt: in500Years }))).toMatchObject({
      code: 'INVALID_OPTION',
    });
  });
});

describe('far-off due times', () => {
  it('waits in capped timer steps instead of a timer Node would fire at once', async () => {
    const { warden, clock } = testWarden();
    const ran: number[] = [];
    warden.defineJob('work', {
      run: () => {
        ran.push(clock.now());
      },
    });
    await warden.start();
    const start = clock.now();
    await warden.enqueue('work', {}, { delayMs: 30 * day });
    await clock.settle();
    expect(clock.pending()).toBe(1);

    expect(await clock.next()).toBe(true);
    expect(clock.now()).toBe(start + maxTimerMs);
    expect(ran).toEqual([]);
    expect(clock.pending()).toBe(1);

    await clock.advance(30 * day - maxTimerMs);
    expect(ran).toEqual([start + 30 * day]);
  });
});

describe('what a handler hands back', () => {
  async function outcome(run: () => unknown) {
    const { warden } = testWarden();
    warden.defineJob('work', { run, retry: { attempts: 1 } });
    await warden.start();
    const job = await warden.enqueue('work', {});
    return warden.waitForJob(job.id);
  }

  it('stores plain data with a `then` key as the result', async () => {
    const job = await outcome(() => ({ then: 'ship it' }));
    expect(job).toMatchObject({ status: 'succeeded', result: { then: 'ship it' } });
  });

  it('fails the attempt on a result with a getter that throws', async () => {
    const job = await outcome(() => ({
      get x(): never {
        throw new Error('cannot look');
      },
    }));
    expect(job.status).toBe('dead');
    expect(job.error).toMatchObject({ code: 'INVALID_RESULT' });
    expect(job.error?.message).toContain('cannot look');
  });

  it('fails the attempt on a result nested too deeply', async () => {
    const job = await outcome(() => nested(20_000));
    expect(job.status).toBe('dead');
    expect(job.error?.message).toContain('nested too deeply');
  });

  it('records an error whose fields throw when read, without crashing', async () => {
    const job = await outcome(() => {
      const error = new Error('hidden');
      Object.defineProperty(error, 'message', {
        get(): never {
          throw new Error('no message for you');
        },
      });
      throw error;
    });
    expect(job.status).toBe('dead');
    expect(job.error?.message).toContain('cannot be read');
  });
});

describe('scheduling', () => {
  it('runs the next queued job after a cached one was cancelled', async () => {
    const { warden, clock } = testWarden({ concurrency: 1 });
    const gate = deferred();
    const ran: string[] = [];
    warden.defineJob('work', {
      run: async (payload: string) => {
        ran.push(payload);
        if (payload === 'a') await gate.promise;
      },
    });
    await warden.start();
    const [a, b, c] = await warden.enqueueMany(
      ['a', 'b', 'c'].map((payload) => ({ type: 'work', payload })),
    );
    await clock.settle();
    await warden.cancelJob(b?.id ?? '');
    gate.resolve();
    await warden.waitForJob(a?.id ?? '');
    await warden.waitForJob(c?.id ?? '');
    expect(ran).toEqual(['a', 'c']);
  });

  it('keeps the attempt’s signal aborted while the fallback runs', async () => {
    const { warden, clock } = testWarden();
    const gate = deferred();
    let seen: { aborted: boolean; reason: unknown } | undefined;
    warden.defineJob('work', {
      timeoutMs: 50,
      retry: { attempts: 1 },
      run: async (_payload, ctx) => {
        await gate.promise;
        // Read only now, after the fallback has begun.
        seen = { aborted: ctx.signal.aborted, reason: ctx.signal.reason };
        return 'from the attempt';
      },
      fallback: () => 'from the fallback',
    });
    await warden.start();
    const job = await warden.enqueue('work', {});
    await clock.advance(50);
    expect(await warden.waitForJob(job.id)).toMatchObject({
      status: 'succeeded',
      viaFallback: true,
    });
    gate.resolve();
    await clock.settle();
    expect(seen?.aborted).toBe(true);
    expect(WardenError.is(seen?.reason) && seen.reason.code).toBe('JOB_TIMEOUT');
  });
});

describe('stop', () => {
  it('claims nothing more from the moment it is called', async () => {
    const { warden, clock } = testWarden({ concurrency: 1 });
    const gate = deferred();
    const started: string[] = [];
    warden.on('job.started', (event) => started.push(event.jobId));
    warden.defineJob('work', {
      run: async (payload: string) => {
        if (payload === 'a') await gate.promise;
      },
    });
    await warden.start();
    // An actor that takes a while to stop, so the job runner's own turn to stop comes late.
    await warden.supervise({
      id: 'slow',
      shutdownMs: 1000,
      start: () => new Promise<void>(() => undefined),
    });
    const [a, b] = await warden.enqueueMany(
      ['a', 'b'].map((payload) => ({ type: 'work', payload })),
    );
    await clock.settle();
    const stopping = warden.stop({ graceMs: 5000 });
    gate.resolve();
    await clock.advance(1000);
    await stopping;
    expect(started).toEqual([a?.id]);
    expect(b?.id).toBeDefined();
  });

  it('lets a running job be cancelled during its grace period', async () => {
    const { warden, clock } = testWarden();
    const events: WardenEvent[] = [];
    warden.events$.subscribe((event) => events.push(event));
    warden.defineJob('work', {
      run: (_payload, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            reject(new Error('aborted', { cause: ctx.signal.reason }));
          });
        }),
    });
    await warden.start();
    const job = await warden.enqueue('work', {});
    await clock.settle();
    const stopping = warden.stop({ graceMs: 5000 });
    const cancelled = await warden.cancelJob(job.id);
    expect(cancelled.status).toBe('cancelled');
    await stopping;
    expect(events.filter((event) => event.type === 'job.cancelled')).toHaveLength(1);
  });
});

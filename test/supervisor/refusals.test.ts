import { describe, expect, it } from 'vitest';
import {
  ActorNotFoundError,
  breakersNodeId,
  InvalidOptionError,
  InvalidTransitionError,
  jobsNodeId,
  NotRunningError,
  poolsNodeId,
  rootId,
  supervisor,
  type Warden,
} from '../../src/index.js';
import { testWarden } from '../helpers.js';
import { controlled, deadApp, traceActors } from './fixtures.js';

type ByHand = 'stopActor' | 'restartActor' | 'removeActor';
const byHand: readonly ByHand[] = ['stopActor', 'restartActor', 'removeActor'];

/** A running Warden with `sup` over `a` (running) and `b` (stopped by hand), and `idle` nowhere. */
async function family() {
  const { warden, clock } = testWarden();
  const a = controlled('a');
  await warden.start();
  await warden.supervise(supervisor({ id: 'sup', children: [a.spec, controlled('b').spec] }));
  await warden.stopActor('b');
  return { warden, clock, a, trace: traceActors(warden) };
}

/** The error `warden[operation](id)` rejects with. */
async function refusal(warden: Warden, operation: ByHand, id: unknown): Promise<unknown> {
  return warden[operation](id as string).then(
    () => new Error(`${operation}(${String(id)}) was not refused`),
    (error: unknown) => error,
  );
}

describe('by-hand operations refuse', () => {
  for (const operation of byHand) {
    it(`${operation}: an unknown id, with ActorNotFoundError`, async () => {
      const { warden, trace } = await family();

      const error = await refusal(warden, operation, 'nobody');

      expect(error).toBeInstanceOf(ActorNotFoundError);
      expect(error).toMatchObject({
        code: 'ACTOR_NOT_FOUND',
        message: 'no supervised actor has id `nobody`',
      });
      expect(trace).toEqual([]);
    });

    it(`${operation}: an id that is not a non-empty string, with InvalidOptionError`, async () => {
      const { warden } = await family();

      for (const id of ['', 42, undefined, 'x'.repeat(201)]) {
        const error = await refusal(warden, operation, id);
        expect(error).toBeInstanceOf(InvalidOptionError);
        expect((error as InvalidOptionError).message).toMatch(
          /^Expected `id` to be a non-empty string of at most 200 characters, got /,
        );
      }
    });

    it(`${operation}: Warden's own nodes, with InvalidOptionError`, async () => {
      const { warden, trace } = await family();

      for (const id of [rootId, jobsNodeId, breakersNodeId, poolsNodeId]) {
        const error = await refusal(warden, operation, id);
        expect(error).toBeInstanceOf(InvalidOptionError);
        expect((error as InvalidOptionError).message).toBe(
          operation === 'restartActor'
            ? `Expected \`id\` to be the id of one of your actors, or of a dead-lettered breaker or pool (\`${id}\` is Warden's own and is not dead-lettered), got \`${id}\``
            : `Expected \`id\` to be the id of one of your actors (\`${id}\` is Warden's own: it stops with warden.stop()), got \`${id}\``,
        );
      }
      expect(warden.health().checks.supervision).toMatchObject({
        status: 'healthy',
        root: 'running',
      });
      expect(trace).toEqual([]);
    });

    it(`${operation}: any call before start() or after stop(), with NotRunningError`, async () => {
      const { warden } = testWarden();
      await warden.supervise(controlled('a').spec);

      await expect(refusal(warden, operation, 'a')).resolves.toBeInstanceOf(NotRunningError);
      await warden.start();
      await warden.stop();
      await expect(refusal(warden, operation, 'a')).resolves.toBeInstanceOf(NotRunningError);
    });
  }

  const wrongStates: [ByHand, string, string][] = [
    ['stopActor', 'b', 'actor `b` is `exited`: cannot stop it (it was stopped by hand already)'],
    [
      'restartActor',
      'a',
      'actor `a` is `running`: cannot restart it by hand (only an actor stopped by hand or dead-lettered can be)',
    ],
    ['removeActor', 'a', 'actor `a` is `running`: cannot remove it (stop it first)'],
    ['removeActor', 'sup', 'actor `sup` is `running`: cannot remove it (stop it first)'],
  ];
  for (const [operation, id, message] of wrongStates) {
    it(`${operation}('${id}') in the wrong state, with InvalidTransitionError naming it`, async () => {
      const { warden, trace } = await family();

      const error = await refusal(warden, operation, id);

      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect(error).toMatchObject({ code: 'INVALID_TRANSITION', message });
      expect(trace).toEqual([]);
    });
  }

  it('stopActor of a dead-lettered actor, with InvalidTransitionError', async () => {
    const { warden } = await deadApp();

    await expect(warden.stopActor('app')).rejects.toThrow(
      'actor `app` is `dead`: cannot stop it (it is dead-lettered)',
    );
  });

  it('stopActor and restartActor of a child whose supervisor is stopped, naming the supervisor’s state', async () => {
    const { warden } = await family();
    await warden.stopActor('sup');

    await expect(warden.stopActor('a')).rejects.toThrow(
      'actor `a` is `exited`: cannot stop it (its supervisor `sup` is `stopped`)',
    );
    await expect(warden.restartActor('b')).rejects.toThrow(
      'actor `b` is `exited`: cannot restart it by hand (its supervisor `sup` is `stopped`)',
    );
    await expect(warden.stopActor('sup')).rejects.toBeInstanceOf(InvalidTransitionError);
    await expect(warden.restartActor('a')).rejects.toBeInstanceOf(InvalidTransitionError);
  });

  it('removeActor of a child waiting out its backoff, with InvalidTransitionError', async () => {
    const { warden, clock, a } = await family();
    a.current.crash();
    await clock.settle();

    await expect(warden.removeActor('a')).rejects.toThrow(
      'actor `a` is `restarting`: cannot remove it (stop it first)',
    );
  });
});

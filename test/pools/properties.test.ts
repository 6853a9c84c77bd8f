import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lease } from '../../src/index.js';
import { testWarden } from '../helpers.js';
import { connections, settle, type Conn } from './helpers.js';

type Op =
  | { kind: 'acquire'; timeoutMs: number }
  | { kind: 'acquireAbort' }
  | { kind: 'release' }
  | { kind: 'destroy' }
  | { kind: 'fail' }
  | { kind: 'lose' }
  | { kind: 'tick'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('acquire' as const),
    timeoutMs: fc.integer({ min: 1, max: 3000 }),
  }),
  fc.constant({ kind: 'acquireAbort' as const }),
  fc.constant({ kind: 'release' as const }),
  fc.constant({ kind: 'destroy' as const }),
  fc.constant({ kind: 'fail' as const }),
  fc.constant({ kind: 'lose' as const }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 2000 }) }),
);

describe('pool invariants', () => {
  it('never exceeds max, keeps min, leaks no waiter and no lease, over random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(op, { maxLength: 40 }),
        async (min, extra, ops) => {
          const max = min + extra;
          const trace: string[] = [];
          const losers: ((error?: Error) => void)[] = [];
          let next = 0;
          const { warden, clock } = testWarden();
          const pool = warden.pool(
            'p',
            connections(trace, {
              min,
              max,
              idleTimeoutMs: 1500,
              isBroken: (error) => error.message === 'broken',
              create: ({ lost }) => {
                losers.push(lost);
                const conn = { id: ++next, closed: false } satisfies Conn;
                trace.push(`create ${conn.id}`);
                return conn;
              },
            }),
          );
          await warden.start();
          const held: Lease<Conn>[] = [];
          const pending: Promise<unknown>[] = [];
          const check = (): void => {
            const stats = pool.stats;
            expect(stats.size).toBeLessThanOrEqual(max);
            expect(stats.leased).toBeLessThanOrEqual(max);
            for (const lease of held)
              if (!lease.signal.aborted) expect(lease.resource.closed).toBe(false);
          };
          for (const step of ops) {
            switch (step.kind) {
              case 'acquire':
                pending.push(
                  pool.acquire({ timeoutMs: step.timeoutMs }).then(
                    (lease) => held.push(lease),
                    () => undefined,
                  ),
                );
                break;
              case 'acquireAbort': {
                const controller = new AbortController();
                pending.push(
                  pool.acquire({ signal: controller.signal }).then(
                    (lease) => held.push(lease),
                    () => undefined,
                  ),
                );
                controller.abort(new Error('gone'));
                break;
              }
              case 'release':
              case 'destroy':
              case 'fail': {
                const lease = held.shift();
                if (lease === undefined || lease.signal.aborted) break;
                if (step.kind === 'release') lease.release();
                else if (step.kind === 'destroy') lease.destroy();
                else lease.fail(new Error('broken'));
                break;
              }
              case 'lose':
                losers.at(-1)?.(new Error('died'));
                break;
              case 'tick':
                await clock.advance(step.ms);
                break;
            }
            await settle(clock);
            check();
          }
          for (const lease of held.splice(0)) if (!lease.signal.aborted) lease.release();
          await clock.advance(5000); // every waiter has timed out or been served
          await settle(clock);
          for (const lease of held.splice(0)) if (!lease.signal.aborted) lease.release();
          await settle(clock);
          await Promise.all(pending);
          const stats = pool.stats;
          expect(stats.waiting).toBe(0);
          expect(stats.leased).toBe(0);
          expect(stats.size).toBeGreaterThanOrEqual(min);
          expect(stats.size).toBeLessThanOrEqual(max);
          await warden.stop({ graceMs: 0 });
          // Every resource made was destroyed once, and only once.
          const created = trace
            .filter((line) => line.startsWith('create'))
            .map((line) => line.slice(7));
          const destroyed = trace
            .filter((line) => line.startsWith('destroy'))
            .map((line) => line.slice(8));
          expect([...destroyed].sort()).toEqual([...created].sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});

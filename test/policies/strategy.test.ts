import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import {
  planRestart,
  shouldRestart,
  shutdownOrder,
  type ExitReason,
  type PlannedChild,
  type RestartPlan,
  type RestartType,
  type Strategy,
} from '../../src/policies/strategy.js';

/** Fixed seed: the properties explore the same cases on every run. */
const runs = { seed: 20_240_603, numRuns: 1000 } as const;

const restartTypes: readonly RestartType[] = ['permanent', 'transient', 'temporary'];
const strategies: readonly Strategy[] = ['one-for-one', 'one-for-all', 'rest-for-one'];

/** Four live children in start order: a permanent, b temporary, c transient, d permanent. */
const types = { a: 'permanent', b: 'temporary', c: 'transient', d: 'permanent' } as const;
type Id = keyof typeof types;

/** The four children as the supervisor sees them right after `exited` exited. */
function fourChildren(exited: Id): PlannedChild[] {
  return (['a', 'b', 'c', 'd'] as const).map((id) => ({
    id,
    restart: types[id],
    alive: id !== exited,
  }));
}

function plan(stop: string[], start: string[], remove: string[]): RestartPlan {
  return { stop, start, remove };
}

/** A plan as a test name: `stops d; starts c, d; removes nothing`. */
function describePlan(p: RestartPlan): string {
  const list = (ids: readonly string[]): string => (ids.length === 0 ? 'nothing' : ids.join(', '));
  return `stops ${list(p.stop)}; starts ${list(p.start)}; removes ${list(p.remove)}`;
}

/** Nothing stopped or started; the exited child removed, as it is done. */
const removeOnly = (id: Id): RestartPlan => plan([], [], [id]);

describe('shouldRestart', () => {
  it.each([
    { restart: 'permanent', reason: 'normal', expected: true },
    { restart: 'permanent', reason: 'abnormal', expected: true },
    { restart: 'transient', reason: 'normal', expected: false },
    { restart: 'transient', reason: 'abnormal', expected: true },
    { restart: 'temporary', reason: 'normal', expected: false },
    { restart: 'temporary', reason: 'abnormal', expected: false },
  ] as const)('$restart, $reason exit: $expected', (row) => {
    expect(shouldRestart(row.restart, row.reason)).toBe(row.expected);
  });
});

describe('planRestart', () => {
  const table = [
    {
      strategy: 'one-for-one',
      rows: [
        { exited: 'a', reason: 'normal', expected: plan([], ['a'], []) },
        { exited: 'a', reason: 'abnormal', expected: plan([], ['a'], []) },
        { exited: 'b', reason: 'normal', expected: removeOnly('b') },
        { exited: 'b', reason: 'abnormal', expected: removeOnly('b') },
        { exited: 'c', reason: 'normal', expected: removeOnly('c') },
        { exited: 'c', reason: 'abnormal', expected: plan([], ['c'], []) },
        { exited: 'd', reason: 'normal', expected: plan([], ['d'], []) },
        { exited: 'd', reason: 'abnormal', expected: plan([], ['d'], []) },
      ],
    },
    {
      strategy: 'one-for-all',
      rows: [
        { exited: 'a', reason: 'normal', expected: plan(['d', 'c', 'b'], ['a', 'c', 'd'], ['b']) },
        {
          exited: 'a',
          reason: 'abnormal',
          expected: plan(['d', 'c', 'b'], ['a', 'c', 'd'], ['b']),
        },
        { exited: 'b', reason: 'normal', expected: removeOnly('b') },
        { exited: 'b', reason: 'abnormal', expected: removeOnly('b') },
        { exited: 'c', reason: 'normal', expected: removeOnly('c') },
        {
          exited: 'c',
          reason: 'abnormal',
          expected: plan(['d', 'b', 'a'], ['a', 'c', 'd'], ['b']),
        },
        { exited: 'd', reason: 'normal', expected: plan(['c', 'b', 'a'], ['a', 'c', 'd'], ['b']) },
        {
          exited: 'd',
          reason: 'abnormal',
          expected: plan(['c', 'b', 'a'], ['a', 'c', 'd'], ['b']),
        },
      ],
    },
    {
      strategy: 'rest-for-one',
      rows: [
        { exited: 'a', reason: 'normal', expected: plan(['d', 'c', 'b'], ['a', 'c', 'd'], ['b']) },
        {
          exited: 'a',
          reason: 'abnormal',
          expected: plan(['d', 'c', 'b'], ['a', 'c', 'd'], ['b']),
        },
        { exited: 'b', reason: 'normal', expected: removeOnly('b') },
        { exited: 'b', reason: 'abnormal', expected: removeOnly('b') },
        { exited: 'c', reason: 'normal', expected: removeOnly('c') },
        { exited: 'c', reason: 'abnormal', expected: plan(['d'], ['c', 'd'], []) },
        { exited: 'd', reason: 'normal', expected: plan([], ['d'], []) },
        { exited: 'd', reason: 'abnormal', expected: plan([], ['d'], []) },
      ],
    },
  ] as const;

  for (const { strategy, rows } of table) {
    describe(`${strategy}, children a (permanent), b (temporary), c (transient), d (permanent)`, () => {
      for (const { exited, reason, expected } of rows) {
        it(`${describePlan(expected)} when ${exited} (${types[exited]}) exits ${reason}`, () => {
          expect(planRestart(strategy, fourChildren(exited), exited, reason)).toEqual(expected);
        });
      }
    });
  }

  it('starts a dead sibling again under one-for-all without stopping it', () => {
    const children: PlannedChild[] = [
      { id: 'a', restart: 'permanent', alive: false },
      { id: 'b', restart: 'transient', alive: true },
      { id: 'c', restart: 'permanent', alive: true },
    ];
    expect(planRestart('one-for-all', children, 'b', 'abnormal')).toEqual(
      plan(['c'], ['a', 'b', 'c'], []),
    );
  });

  it('removes a dead temporary sibling under rest-for-one without stopping it', () => {
    const children: PlannedChild[] = [
      { id: 'a', restart: 'permanent', alive: false },
      { id: 'b', restart: 'temporary', alive: false },
      { id: 'c', restart: 'temporary', alive: true },
    ];
    expect(planRestart('rest-for-one', children, 'a', 'normal')).toEqual(
      plan(['c'], ['a'], ['b', 'c']),
    );
  });

  it('ignores whether the exited child is marked alive', () => {
    const children: PlannedChild[] = [
      { id: 'a', restart: 'permanent', alive: true },
      { id: 'b', restart: 'permanent', alive: true },
    ];
    expect(planRestart('one-for-all', children, 'a', 'abnormal')).toEqual(
      plan(['b'], ['a', 'b'], []),
    );
  });

  it('restarts an only child by itself under every strategy', () => {
    const only: PlannedChild[] = [{ id: 'solo', restart: 'permanent', alive: false }];
    for (const strategy of strategies) {
      expect(planRestart(strategy, only, 'solo', 'abnormal')).toEqual(plan([], ['solo'], []));
    }
  });

  it.each([
    {
      what: 'an exitedId that is not a child',
      children: fourChildren('a'),
      exitedId: 'z',
      message: 'Expected `exitedId` to be the id of one of `children`, got `z`',
    },
    {
      what: 'an empty list of children',
      children: [],
      exitedId: 'a',
      message: 'Expected `exitedId` to be the id of one of `children`, got `a`',
    },
    {
      what: 'two children with the same id',
      children: [...fourChildren('a'), { id: 'b', restart: 'permanent', alive: true }],
      exitedId: 'a',
      message: 'Expected `children[4].id` to be unique among `children`, got `b`',
    },
  ] as const)('rejects $what, quoting the bad value', ({ children, exitedId, message }) => {
    let thrown: unknown;
    try {
      planRestart('one-for-one', children, exitedId, 'abnormal');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionError);
    expect((thrown as InvalidOptionError).code).toBe('INVALID_OPTION');
    expect((thrown as InvalidOptionError).message).toBe(message);
  });
});

describe('shutdownOrder', () => {
  it('stops children in reverse start order', () => {
    expect(shutdownOrder(['a', 'b', 'c', 'd'])).toEqual(['d', 'c', 'b', 'a']);
  });

  it('gives nothing for no children', () => {
    expect(shutdownOrder([])).toEqual([]);
  });

  it('does not change the list it is given', () => {
    const ids = ['a', 'b'];
    shutdownOrder(ids);
    expect(ids).toEqual(['a', 'b']);
  });
});

describe('properties', () => {
  const children = fc.uniqueArray(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 3 }),
      restart: fc.constantFrom(...restartTypes),
      alive: fc.boolean(),
    }),
    { selector: (child) => child.id, minLength: 1, maxLength: 8 },
  );
  /** A supervisor's children, the position of the one that exited, a strategy and a reason. */
  const scenario = children.chain((list) =>
    fc.record({
      children: fc.constant(list),
      index: fc.nat({ max: list.length - 1 }),
      strategy: fc.constantFrom(...strategies),
      reason: fc.constantFrom<ExitReason>('normal', 'abnormal'),
    }),
  );

  function run(s: {
    children: PlannedChild[];
    index: number;
    strategy: Strategy;
    reason: ExitReason;
  }): { plan: RestartPlan; exited: PlannedChild; position: (id: string) => number } {
    const exited = s.children[s.index]!;
    const position = (id: string): number => s.children.findIndex((child) => child.id === id);
    return { plan: planRestart(s.strategy, s.children, exited.id, s.reason), exited, position };
  }

  function isIncreasing(values: readonly number[]): boolean {
    return values.every((value, i) => i === 0 || value > values[i - 1]!);
  }

  it('never starts a temporary child again', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { plan: p, position } = run(s);
        for (const id of p.start) expect(s.children[position(id)]!.restart).not.toBe('temporary');
      }),
      runs,
    );
  });

  it('stops only live siblings, in reverse start order', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { plan: p, exited, position } = run(s);
        expect(p.stop).not.toContain(exited.id);
        for (const id of p.stop) expect(s.children[position(id)]!.alive).toBe(true);
        expect(isIncreasing(p.stop.map(position).reverse())).toBe(true);
      }),
      runs,
    );
  });

  it('starts children in start order', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { plan: p, position } = run(s);
        expect(p.start.every((id) => position(id) >= 0)).toBe(true);
        expect(isIncreasing(p.start.map(position))).toBe(true);
      }),
      runs,
    );
  });

  it('starts or removes every child it stops, never both', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { plan: p, position } = run(s);
        for (const id of p.stop) expect(p.start.includes(id) !== p.remove.includes(id)).toBe(true);
        expect(p.start.filter((id) => p.remove.includes(id))).toEqual([]);
        expect(p.remove.every((id) => position(id) >= 0)).toBe(true);
      }),
      runs,
    );
  });

  it('restarts the exited child exactly when shouldRestart says so, and else only removes it', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { plan: p, exited } = run(s);
        if (shouldRestart(exited.restart, s.reason)) {
          expect(p.start).toContain(exited.id);
          expect(p.remove).not.toContain(exited.id);
        } else {
          expect(p).toEqual(plan([], [], [exited.id]));
        }
      }),
      runs,
    );
  });

  it('touches the siblings each strategy names and no others', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { plan: p, exited } = run(s);
        if (!shouldRestart(exited.restart, s.reason)) return;
        const touched = new Set([...p.start, ...p.remove]);
        const expected = s.children.filter((child, i) =>
          s.strategy === 'one-for-one'
            ? i === s.index
            : s.strategy === 'rest-for-one'
              ? i >= s.index
              : true,
        );
        expect([...touched].sort()).toEqual(expected.map((child) => child.id).sort());
      }),
      runs,
    );
  });

  it('does not depend on whether the exited child is marked alive', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const flipped = s.children.map((child, i) =>
          i === s.index ? { ...child, alive: !child.alive } : child,
        );
        expect(run({ ...s, children: flipped }).plan).toEqual(run(s).plan);
      }),
      runs,
    );
  });

  it('orders shutdown as the reverse of start order, undone by applying it twice', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (ids) => {
        const order = shutdownOrder(ids);
        expect(order.map((_, i) => order[order.length - 1 - i])).toEqual(ids);
        expect(shutdownOrder(order)).toEqual(ids);
      }),
      runs,
    );
  });
});

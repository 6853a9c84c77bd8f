import { and, assign, createMachine, not, or, setup, stateIn } from 'xstate';

/**
 * An order workflow that uses most of what a statechart can say: a compound state with a final
 * child and `onDone`, a parallel state of two regions, final states, guarded, eventless (`always`)
 * and delayed (`after`, by number and by name) transitions, self-transitions (re-entering and
 * targetless), the `*` wildcard and a partial `card.*` wildcard.
 */
export const orderMachine = setup({
  guards: { isReady: () => true, isLate: () => false },
  delays: { patience: 5000 },
}).createMachine({
  id: 'order',
  initial: 'draft',
  states: {
    draft: {
      on: {
        EDIT: { target: 'draft', reenter: true },
        TOUCH: {},
        SUBMIT: { target: 'review', guard: 'isReady' },
        '*': 'draft',
      },
    },
    review: {
      initial: 'pending',
      states: {
        pending: {
          after: {
            1000: 'reminded',
            patience: { target: '#order.cancelled', guard: not('isReady') },
          },
          on: { APPROVE: 'approved' },
        },
        reminded: { on: { APPROVE: 'approved' } },
        approved: { type: 'final' },
      },
      onDone: 'fulfilment',
    },
    fulfilment: {
      type: 'parallel',
      states: {
        packing: {
          initial: 'picking',
          states: { picking: { on: { PACKED: 'packed' } }, packed: { type: 'final' } },
        },
        billing: {
          initial: 'charging',
          states: {
            charging: { on: { CHARGED: 'charged', 'card.*': 'charging' } },
            charged: { type: 'final' },
          },
        },
      },
      onDone: 'checking',
    },
    checking: {
      always: [
        { target: 'shipped', guard: and(['isReady', not('isLate')]) },
        { target: 'cancelled' },
      ],
    },
    shipped: { type: 'final' },
    cancelled: { type: 'final' },
  },
});

/**
 * State keys that are syntax in Mermaid or DOT, or no identifier at all (`end`, `state`, `2fa`,
 * spaces and dashes, a `_start` suffix), a root-level transition (the root is then drawn as a
 * box), arrows between a compound state and its own child and across a box's border, and a
 * targetless transition that updates the context.
 */
export const awkwardMachine = createMachine({
  id: 'awkward',
  initial: 'state',
  context: { n: 0 },
  on: { RESET: { target: '#awkward', reenter: true } },
  states: {
    state: {
      on: { NEXT: '2fa', COUNT: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
    },
    '2fa': { on: { NEXT: 'half open', DEEP: 'x_start.a-b' } },
    'half open': { on: { NEXT: 'x_start', BACK: 'state' } },
    x_start: {
      initial: 'end',
      on: { INNER: '.end' },
      states: { end: { on: { DONE: 'a-b', UP: '#awkward.x_start' } }, 'a-b': { type: 'final' } },
    },
  },
});

/** Deep and shallow history states, with `or` and `stateIn` guards on the way back to them. */
export const historyMachine = setup({
  guards: { isAdmin: () => true, isOwner: () => false },
}).createMachine({
  id: 'editor',
  type: 'parallel',
  states: {
    document: {
      initial: 'editing',
      states: {
        editing: {
          initial: 'text',
          states: { text: { on: { INSERT: 'image' } }, image: {} },
          on: { PREVIEW: 'preview' },
        },
        preview: {
          on: {
            BACK: { target: 'recent', guard: or(['isAdmin', 'isOwner']) },
            RESTORE: { target: 'last', guard: stateIn('#editor.panel.open') },
          },
        },
        recent: { type: 'history', history: 'deep' },
        last: { type: 'history' },
      },
    },
    panel: {
      initial: 'closed',
      states: { closed: { on: { TOGGLE: 'open' } }, open: { on: { TOGGLE: 'closed' } } },
    },
  },
});

/** The smallest machine: one state and no transitions. */
export const lonelyMachine = createMachine({ id: 'lonely', initial: 'only', states: { only: {} } });

import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { toDot, toMermaid, toSvg } from '../../src/charts/index.js';
import { itDrawsEveryStateAndEvent } from './chartChecks.js';
import { parseDot, parseMermaid, parseSvg } from './parsers.js';
import { awkwardMachine, historyMachine, lonelyMachine, orderMachine } from './userMachines.js';

const machines: readonly (readonly [string, AnyStateMachine])[] = [
  ['an order workflow of nested, parallel and final states', orderMachine],
  ['a machine of awkward state names with a root-level transition', awkwardMachine],
  ['a one-state machine', lonelyMachine],
];

describe.each(machines)('the chart of %s', (_, machine) => {
  itDrawsEveryStateAndEvent(machine);
});

describe('a user machine’s chart', () => {
  it('splits parallel regions, marks final states, and labels guards, delays and wildcards', async () => {
    const { states, arrows } = await parseMermaid(toMermaid(orderMachine));
    const regions = states.filter((s) => s.parent === 'fulfilment');
    expect(regions.map((s) => s.label)).toEqual(['packing', 'billing']);
    // Each region in a part of its own, split by `--`.
    expect(new Set(regions.map((s) => s.region)).size).toBe(2);
    for (const final of ['review_approved', 'shipped', 'cancelled']) {
      expect(arrows).toContainEqual({ from: final, to: '[*]end', label: '' });
    }
    expect(arrows).toEqual(
      expect.arrayContaining([
        { from: 'draft', to: 'draft', label: 'EDIT' },
        { from: 'draft', to: 'draft', label: 'TOUCH' },
        { from: 'draft', to: 'draft', label: '*' },
        { from: 'draft', to: 'review', label: 'SUBMIT [isReady]' },
        { from: 'review_pending', to: 'review_reminded', label: 'after 1000 ms' },
        { from: 'review_pending', to: 'cancelled', label: 'after patience [!isReady]' },
        {
          from: 'fulfilment_billing_charging',
          to: 'fulfilment_billing_charging',
          label: 'card.*',
        },
        { from: 'checking', to: 'shipped', label: 'always [isReady && !isLate]' },
        { from: 'checking', to: 'cancelled', label: 'always' },
      ]),
    );
  });

  it('dashes the parallel state’s box and the eventless and delayed arrows in DOT', () => {
    const dot = toDot(orderMachine);
    expect(dot).toContain('label="fulfilment"; style="rounded,dashed";');
    expect(dot).toContain('"checking" -> "cancelled" [label=" always ", style=dashed];');
    expect(dot).toContain(
      '"review_pending" -> "review_reminded" [label=" after 1000 ms ", style=dashed];',
    );
    expect(dot).toContain('"shipped" [label="shipped", peripheries=2];');
    // Three events on one self-arrow share its label, a line each.
    expect(dot).toContain('"draft" -> "draft" [label=" EDIT \\n TOUCH \\n * "];');
  });

  it('gives awkward keys safe names and keeps their labels as written', async () => {
    const { states } = await parseMermaid(toMermaid(awkwardMachine));
    expect(states.map((s) => [s.name, s.label])).toEqual([
      ['s_root', 'awkward'],
      ['s_state', 'state'],
      ['s_2fa', '2fa'],
      ['half_open', 'half open'],
      ['x_start_', 'x_start'],
      ['x_start_end_', 'end'],
      ['x_start_a_b', 'a-b'],
    ]);
  });

  it('draws history states as H and H*, with their guards on the arrows back', async () => {
    const mermaid = toMermaid(historyMachine);
    const { states, arrows } = await parseMermaid(mermaid);
    const byName = new Map(states.map((s) => [s.name, s]));
    expect(byName.get('document_recent')).toEqual({
      name: 'document_recent',
      label: 'H*',
      parent: 'document',
    });
    expect(byName.get('document_last')?.label).toBe('H');
    expect(arrows).toEqual(
      expect.arrayContaining([
        { from: 'document_preview', to: 'document_recent', label: 'BACK [isAdmin || isOwner]' },
        {
          from: 'document_preview',
          to: 'document_last',
          label: 'RESTORE [in(#editor.panel.open)]',
        },
        { from: 'document_editing_text', to: 'document_editing_image', label: 'INSERT' },
        { from: 'panel_closed', to: 'panel_open', label: 'TOGGLE' },
      ]),
    );
    const { messages } = await parseDot(toDot(historyMachine));
    expect(messages).toEqual([]);
    const { texts } = parseSvg(await toSvg(historyMachine));
    expect(texts.map((t) => t.trim())).toEqual(expect.arrayContaining(['H*', 'H', 'preview']));
  });
});

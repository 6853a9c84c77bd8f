import { and, createMachine, not, or, stateIn } from 'xstate';
import { describe, expect, it } from 'vitest';
import { guardText } from '../../src/charts/transitionLabel.js';
import { chartModel } from '../../src/charts/index.js';

describe('guardText', () => {
  it('writes named, combined and parameterised guards as a chart shows them', () => {
    expect(guardText('canRetry')).toBe('canRetry');
    expect(guardText(and([or(['a', 'b']), 'c']))).toBe('(a || b) && c');
    expect(guardText(or([and(['a', 'b']), not('c')]))).toBe('(a && b) || !c');
    expect(guardText(stateIn({ panel: 'open' }))).toBe('in({"panel":"open"})');
    expect(guardText({ type: 'resumes', params: { state: 'open', n: 2 } })).toBe(
      'resumes(state=open, n=2)',
    );
    expect(guardText({ type: 'over', params: 3 })).toBe('over(3)');
    expect(
      guardText(function isLate() {
        return false;
      }),
    ).toBe('isLate');
    expect(guardText(() => true)).toBe('inline guard');
    expect(guardText(7)).toBe('7');
  });
});

describe('a delayed transition', () => {
  it('is labelled with its delay in ms, or with its delay’s name', () => {
    const machine = createMachine({
      id: 'timer',
      initial: 'a',
      states: {
        a: { after: { 250: 'b' } },
        b: { after: { patience: 'c' } },
        c: {},
      },
    });
    expect(chartModel(machine).transitions.map((t) => [t.kind, t.label])).toEqual([
      ['after', 'after 250 ms'],
      ['after', 'after patience'],
    ]);
  });
});

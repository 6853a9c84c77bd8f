import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import {
  builtInMachines,
  chartFormats,
  isChartFormat,
  renderChart,
  toDot,
  toMermaid,
  toSvg,
  type ChartFormat,
} from '../../src/charts/index.js';
import { InvalidOptionError } from '../../src/index.js';
import { parseDot, parseMermaid, parseSvg } from './parsers.js';
import { orderMachine } from './userMachines.js';

describe('renderChart', () => {
  it('writes each format as its own function does', async () => {
    expect(await renderChart(orderMachine, 'mermaid')).toBe(toMermaid(orderMachine));
    expect(await renderChart(orderMachine, 'dot')).toBe(toDot(orderMachine));
    expect(await renderChart(orderMachine, 'svg')).toBe(await toSvg(orderMachine));
  });

  it.each(chartFormats)('writes %s that its parser reads back', async (format) => {
    const text = await renderChart(builtInMachines.breaker, format);
    if (format === 'mermaid') expect((await parseMermaid(text)).states).toHaveLength(5);
    if (format === 'dot') expect((await parseDot(text)).messages).toEqual([]);
    if (format === 'svg') expect(parseSvg(text).root).toBe('svg');
  });

  it('refuses an unknown format with InvalidOptionError quoting it', async () => {
    const error: unknown = await renderChart(orderMachine, 'png' as ChartFormat).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({
      code: 'INVALID_OPTION',
      message: 'Expected `format` to be one of `mermaid`, `dot`, `svg`, got `png`',
    });
  });

  it('refuses what is not an XState v5 machine, in every format', async () => {
    const notMachine = { id: 'x', states: {} } as unknown as AnyStateMachine;
    for (const format of chartFormats) {
      await expect(renderChart(notMachine, format)).rejects.toMatchObject({
        code: 'INVALID_OPTION',
        message: expect.stringContaining(
          'Expected `machine` to be an XState v5 machine',
        ) as unknown,
      });
    }
  });
});

describe('isChartFormat', () => {
  it('is true for the three formats only', () => {
    expect(chartFormats.filter(isChartFormat)).toEqual(['mermaid', 'dot', 'svg']);
    for (const value of ['png', 'Mermaid', '', undefined, 3, null]) {
      expect(isChartFormat(value), String(value)).toBe(false);
    }
  });
});

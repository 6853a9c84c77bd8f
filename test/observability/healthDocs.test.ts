import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../../src/cli/exitCodes.js';
import { defaultHealthOptions, healthCheckNames } from '../../src/index.js';

// Facts docs/health.md and docs/operating.md state, pinned so that the pages and the code
// cannot drift apart.

const page = (name: string): string =>
  readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

/** The first cell of each row of the table whose header row starts with `| <first> |`. */
function tableRows(text: string, first: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^\\|\\s*${first}\\s*\\|`).test(line));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe('docs/health.md', () => {
  it('lists every check, in the order health() does', () => {
    const names = tableRows(page('health.md'), 'Check').map((row) => row[0]);
    expect(names).toEqual(healthCheckNames.map((name) => `\`${name}\``));
  });

  it('gives every threshold its default', () => {
    // `60_000` in the page is 60000: digits lose their separators.
    const documented = Object.fromEntries(
      tableRows(page('health.md'), 'Option').map(([option = '', value = '']) => [
        option.replaceAll('`', ''),
        value.replaceAll('`', '').replace(/^[\d_]+$/, (n) => n.replaceAll('_', '')),
      ]),
    );
    const actual: Record<string, string> = {};
    for (const [section, values] of Object.entries(defaultHealthOptions)) {
      for (const [key, value] of Object.entries(values)) {
        actual[`${section}.${key}`] =
          value === null ? 'perf_hooks.monitorEventLoopDelay' : String(value);
      }
    }
    expect(documented).toEqual(actual);
  });
});

describe('docs/operating.md', () => {
  it('lists every exit code of the CLI', () => {
    const codes = tableRows(page('operating.md'), 'Code').map((row) => Number(row[0]));
    expect(codes).toEqual(Object.values(exitCodes).sort((a, b) => a - b));
  });
});

/** `warden errors` (the error-event log) and `warden chart` (state charts drawn offline). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ErrorEvent } from '../../src/index.js';
import { parseSince } from '../../src/cli/commands/errors.js';
import { exitCodeOf } from '../../src/cli/exitCodes.js';
import { CommandTimeoutError, MachineLoadError } from '../../src/errors.js';
import { cli, fileScratch, preparedDatabase, t0 } from './helpers.js';

const scratch = fileScratch();
let database: string;
beforeAll(async () => {
  database = await preparedDatabase(scratch);
});

const run = (...args: string[]) => cli([...args, '--database', database]);
const events = async (...args: string[]): Promise<ErrorEvent[]> =>
  (JSON.parse((await run('errors', '--json', ...args)).stdout) as { events: ErrorEvent[] }).events;

describe('warden errors', () => {
  it('lists the recorded failures, newest first', async () => {
    const { code, stdout } = await run('errors');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      /^ID +AT \(UTC\) +SOURCE +SUBJECT +KIND +JOB TYPE +ATTEMPT +ERROR +TRACE$/,
    );
    expect(lines[1]).toMatch(/^ 7 +2023-11-14 22:13:20 +actor +importer +dead +ESCALATED: /);
    expect(lines[4]).toMatch(/^ 4 .* actor +feed +exited +Error: feed unreachable$/);
    expect(lines[5]).toMatch(
      /^ 3 .* breaker +smtp +opened +BreakerOpened: tripped \(failure-rate\): 421 busy$/,
    );
    expect(lines[7]).toMatch(
      /^ 1 .* job +6 +FAIL +report\.build +1 +UNRECOVERABLE: no data for monthly-2024-01 +[0-9a-f]{32}$/,
    );
    expect(lines.slice(8)).toEqual(['(7 error events)', '']);
  });

  it('filters by source, job type, subject and time, and pages with --before', async () => {
    expect((await events('--source', 'breaker')).map((e) => e.subject)).toEqual(['smtp']);
    expect((await events('--type', 'report.build')).map((e) => e.subject)).toEqual(['7', '6']);
    expect((await events('--subject', 'feed')).map((e) => e.kind)).toEqual(['exited']);
    expect(await events('--since', '2030-01-01')).toEqual([]);
    expect(await events('--since', '1h')).toHaveLength(7);
    const page = await run('errors', '--limit', '2');
    expect(page.stdout).toContain('(2 error events; older ones: --before 6)');
    expect((await events('--before', '6', '--limit', '2')).map((e) => e.id)).toEqual(['5', '4']);
  });

  it('refuses bad filters with exit 2', async () => {
    const source = await run('errors', '--source', 'disk');
    expect(source.code).toBe(2);
    expect(source.stderr).toBe(
      'warden: Expected `--source` to be one of job, actor, breaker, pool, store, command, got `disk`\n',
    );
    const since = await run('errors', '--since', 'yesterday');
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('Expected `--since` to be a time ago');
    expect((await run('errors', '--limit', '1001')).code).toBe(2);
    const before = await run('errors', '--before', 'x');
    expect(before.code).toBe(2);
    expect(before.stderr).toContain('Expected `--before`');
    expect(before.stderr).toContain('got `x`');
    const far = await run('errors', '--since', '99999999d');
    expect(far.code).toBe(2);
    expect(far.stderr).toBe(
      'warden: Expected `--since` to be a time ago since 1970, got `99999999d`\n',
    );
  });

  it('reads --since as a time ago or an ISO time', () => {
    expect(parseSince('30s', t0)).toBe(t0 - 30_000);
    expect(parseSince('15m', t0)).toBe(t0 - 900_000);
    expect(parseSince('2h', t0)).toBe(t0 - 7_200_000);
    expect(parseSince('7d', t0)).toBe(t0 - 7 * 86_400_000);
    expect(parseSince('2024-05-01T12:00:00Z', t0)).toBe(Date.UTC(2024, 4, 1, 12));
    expect(() => parseSince('2024-13-45', t0)).toThrow('Expected `--since`');
  });
});

describe('warden chart', () => {
  it('draws every built-in machine as Mermaid by default, and as DOT', async () => {
    for (const machine of ['job', 'slot', 'breaker', 'supervisor', 'actor']) {
      const mermaid = await cli(['chart', machine]);
      expect(mermaid.code).toBe(0);
      expect(mermaid.stdout.startsWith('stateDiagram-v2\n')).toBe(true);
    }
    const dot = await cli(['chart', 'breaker', '--format', 'dot']);
    expect(dot.stdout).toMatch(
      /^digraph "breaker" \{\n[\s\S]*"closed" -> "open" \[label=" TRIP "\];/,
    );
    const json = JSON.parse((await cli(['chart', 'job', '--json'])).stdout) as {
      machine: string;
      chart: string;
    };
    expect(json.machine).toBe('job');
    expect(json.chart).toContain('queued --> claimed : CLAIM');
  });

  it("draws a user's machine to a file, as SVG", { timeout: 30_000 }, async () => {
    const out = join(scratch, 'light.svg');
    const spec = './test/cli/fixtures/trafficLight.ts#light';
    const { code, stderr } = await cli(['chart', spec, '--format', 'svg', '--out', out]);
    expect(code).toBe(0);
    expect(stderr).toBe(`chart of ${spec} (svg) written to ${out}\n`);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toContain('<svg');
    for (const state of ['green', 'yellow', 'red', 'off']) expect(svg).toContain(`>${state}<`);
    const written = JSON.parse(
      (await cli(['chart', spec, '--out', join(scratch, 'light.mmd'), '--json'])).stdout,
    ) as { bytes: number };
    expect(written.bytes).toBe(readFileSync(join(scratch, 'light.mmd')).length);
  });

  it('refuses an --out it cannot write (a folder, a missing folder) with exit 2, quoting it', async () => {
    const folder = await cli(['chart', 'job', '--out', scratch]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toBe(
      `warden: Expected \`--out\` to be a file that can be written (writing it failed: EISDIR), got \`${scratch}\`\n`,
    );
    const missing = join(scratch, 'no', 'such', 'chart.mmd');
    expect((await cli(['chart', 'job', '--out', missing])).stderr).toContain('ENOENT');
  });

  it('refuses an unknown machine (2), a missing file or export (6), a bad format (2)', async () => {
    const unknown = await cli(['chart', 'pipeline']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('`job`, `slot`, `breaker`, `supervisor`, `actor`');
    expect((await cli(['chart', './nowhere.js#machine'])).code).toBe(6);
    expect((await cli(['chart', './test/cli/fixtures/trafficLight.ts#nope'])).code).toBe(6);
    expect((await cli(['chart', './test/cli/fixtures/trafficLight.ts#notAMachine'])).code).toBe(1);
    const format = await cli(['chart', 'job', '--format', 'png']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('Expected `--format` to be one of `mermaid`, `dot`, `svg`');
  });

  it('maps a command timeout to exit 7 and a load failure by its reason', () => {
    expect(exitCodeOf(new CommandTimeoutError('1', 'job.replay', '6', 100, true, 'x'))).toBe(7);
    expect(exitCodeOf(new MachineLoadError('x', 'import-failed', 'boom'))).toBe(1);
  });
});

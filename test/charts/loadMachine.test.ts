import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  builtInMachines,
  loadMachine,
  MachineLoadError,
  parseMachineSpec,
  resolveMachine,
  toMermaid,
} from '../../src/charts/index.js';
import { isWardenError } from '../../src/index.js';

/** xstate as a file URL: a file in the temporary folder has no node_modules to find it in. */
const xstate = pathToFileURL(createRequire(import.meta.url).resolve('xstate')).href;

const folder = mkdtempSync(join(tmpdir(), 'warden-charts-'));
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Writes `source` to `name` in the temporary folder and returns its path. */
function file(name: string, source: string): string {
  const path = join(folder, name);
  writeFileSync(path, source);
  return path;
}

const machineSource = `
import { createMachine } from '${xstate}';
export const kettle = createMachine({
  id: 'kettle',
  initial: 'cold',
  states: {
    cold: { on: { SWITCH_ON: 'heating' } },
    heating: { on: { BOILED: 'hot', SWITCH_OFF: 'cold' } },
    hot: { after: { 3000: 'cold' } },
  },
});
export default createMachine({ id: 'door', initial: 'shut', states: { shut: { on: { OPEN: 'open' } }, open: {} } });
export const settings = { id: 'kettle', states: {} };
export const legacy = { __xstatenode: true, id: 'old' };
`;
const machines = file('machines.mjs', machineSource);

/** The error `loadMachine(spec)` rejects with, which must be a MachineLoadError. */
async function refusal(spec: string, cwd = folder): Promise<MachineLoadError> {
  const error: unknown = await loadMachine(spec, { cwd }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MachineLoadError);
  const refused = error as MachineLoadError;
  expect(refused.code).toBe('MACHINE_LOAD_FAILED');
  expect(isWardenError(refused)).toBe(true);
  expect(refused.spec).toBe(spec);
  expect(refused.message).toContain(`\`${spec}\``);
  return refused;
}

describe('loadMachine', () => {
  it('imports a named export from a file, the path resolved from cwd', async () => {
    const machine = await loadMachine('./machines.mjs#kettle', { cwd: folder });
    expect(machine.id).toBe('kettle');
    expect(toMermaid(machine)).toContain('hot --> cold : after 3000 ms');
  });

  it('takes the default export when the spec names none, and an absolute path as it is', async () => {
    expect((await loadMachine(machines)).id).toBe('door');
    expect((await loadMachine(`${machines}#default`)).id).toBe('door');
  });

  it('refuses a missing file, quoting the path it looked at', async () => {
    const error = await refusal('./nowhere.mjs#kettle');
    expect(error.reason).toBe('not-found');
    expect(error.message).toContain(`no file at \`${join(folder, 'nowhere.mjs')}\``);
  });

  it('refuses a folder', async () => {
    mkdirSync(join(folder, 'charts.js'), { recursive: true });
    const error = await refusal('./charts.js');
    expect(error.reason).toBe('not-found');
    expect(error.message).toContain('is not a file');
  });

  it('refuses a missing export, listing the exports there are', async () => {
    const error = await refusal('./machines.mjs#teapot');
    expect(error.reason).toBe('no-export');
    expect(error.message).toContain(
      'has no export `teapot` (its exports: `default`, `kettle`, `legacy`, `settings`)',
    );
    file('empty.mjs', 'const x = 1;\n');
    expect((await refusal('./empty.mjs')).message).toContain('(its exports: none)');
  });

  it('refuses an export that is not a machine, quoting it', async () => {
    const error = await refusal('./machines.mjs#settings');
    expect(error.reason).toBe('not-a-machine');
    expect(error.message).toContain('its export `settings` is ');
    expect(error.message).toContain('not an XState v5 machine');
    const legacy = await refusal('./machines.mjs#legacy');
    expect(legacy.message).toContain('an XState v4 machine');
  });

  it('refuses a file that does not parse, with the import’s error as the cause', async () => {
    file('broken.mjs', 'export const machine = createMachine({ id: "x", states: { a: { } };\n');
    const error = await refusal('./broken.mjs#machine');
    expect(error.reason).toBe('import-failed');
    expect(error.message).toContain(`importing \`${join(folder, 'broken.mjs')}\` threw: `);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('refuses a file whose import throws, whatever it throws', async () => {
    file('throws.mjs', "throw 'no machines today';\n");
    const error = await refusal('./throws.mjs');
    expect(error.reason).toBe('import-failed');
    expect(error.message).toContain('threw: no machines today');
    expect(error.cause).toBe('no machines today');
  });

  it('refuses a spec that names no file or no export', async () => {
    expect((await refusal('#kettle')).reason).toBe('bad-spec');
    expect((await refusal('#kettle')).message).toContain('it names no file');
    expect((await refusal('./machines.mjs#')).message).toContain('it names no export after `#`');
    expect((await refusal('  #x')).reason).toBe('bad-spec');
  });

  it('refuses a spec or options of the wrong kind with InvalidOptionError', async () => {
    await expect(loadMachine(42 as unknown as string)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('`spec`') as unknown,
    });
    await expect(loadMachine('./machines.mjs', { cwd: 7 as unknown as string })).rejects.toThrow(
      /`options\.cwd`.*got `?7/,
    );
    await expect(
      loadMachine('./machines.mjs', { cdw: folder } as unknown as { cwd: string }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});

describe('parseMachineSpec', () => {
  it('splits at the last #, so a path may hold one', () => {
    expect(parseMachineSpec('./a#b/m.js#kettle')).toEqual({
      file: './a#b/m.js',
      exportName: 'kettle',
    });
    expect(parseMachineSpec('./m.js')).toEqual({ file: './m.js', exportName: 'default' });
  });
});

describe('resolveMachine', () => {
  it('names a built-in machine, or loads a user machine from a spec', async () => {
    expect(await resolveMachine('job')).toBe(builtInMachines.job);
    expect((await resolveMachine('./machines.mjs#kettle', { cwd: folder })).id).toBe('kettle');
    expect((await resolveMachine(machines)).id).toBe('door');
    // A bare file name is a spec by its extension.
    expect((await resolveMachine('machines.mjs', { cwd: folder })).id).toBe('door');
  });

  it('refuses an unknown name, listing the built-in ones', async () => {
    await expect(resolveMachine('jobs')).rejects.toThrow(
      'Expected `machine` to be one of `job`, `slot`, `breaker`, `supervisor`, `actor`, got `jobs`',
    );
  });
});

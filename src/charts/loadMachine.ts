import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { MachineLoadError, quote } from '../errors.js';
import { checkOptions, checkString, keysOf } from '../options.js';
import { isStateMachine } from './chartModel.js';

/** Options of `loadMachine`. */
export interface LoadMachineOptions {
  /**
   * The folder a relative path is resolved from.
   * @default process.cwd()
   */
  readonly cwd?: string;
}

const optionKeys = keysOf<LoadMachineOptions>({ cwd: true });

/** A spec split into its file and its export (`default` when the spec names none). */
export interface MachineSpec {
  readonly file: string;
  readonly exportName: string;
}

/** Splits `./path/to/file.js#export` at its last `#`; without one, the default export. */
export function parseMachineSpec(spec: string): MachineSpec {
  const hash = spec.lastIndexOf('#');
  const file = hash === -1 ? spec : spec.slice(0, hash);
  const exportName = hash === -1 ? 'default' : spec.slice(hash + 1);
  if (file.trim() === '') throw new MachineLoadError(spec, 'bad-spec', 'it names no file');
  if (exportName.trim() === '') {
    throw new MachineLoadError(spec, 'bad-spec', 'it names no export after `#`');
  }
  return { file, exportName };
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null && '__xstatenode' in value) {
    return 'an XState v4 machine; charts are drawn from XState v5 machines';
  }
  return `${quote(value)}, not an XState v5 machine (from \`createMachine\` or \`setup(...).createMachine\`)`;
}

/**
 * Imports the XState machine that `spec` (`./path/to/file.js#export`, `#export` left out for the
 * default export) names, the path resolved from `cwd`: what `warden chart ./file.js#export` draws.
 * A missing file, a failing import, a missing export or a value that is no machine is refused
 * with a `MachineLoadError` quoting the spec.
 */
export async function loadMachine(
  spec: string,
  options?: LoadMachineOptions,
): Promise<AnyStateMachine> {
  checkString('spec', spec);
  const given = checkOptions<LoadMachineOptions>('options', options, optionKeys);
  const cwd = given.cwd === undefined ? process.cwd() : checkString('options.cwd', given.cwd);
  const { file, exportName } = parseMachineSpec(spec);
  const path = resolve(cwd, file);
  const found = await stat(path).catch(() => undefined);
  if (found === undefined) throw new MachineLoadError(spec, 'not-found', `no file at \`${path}\``);
  if (!found.isFile()) {
    throw new MachineLoadError(spec, 'not-found', `\`${path}\` is not a file`);
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MachineLoadError(spec, 'import-failed', `importing \`${path}\` threw: ${reason}`, {
      cause: error,
    });
  }
  if (!(exportName in module)) {
    const names = Object.keys(module).sort();
    const listed = names.length === 0 ? 'none' : names.map((n) => `\`${n}\``).join(', ');
    throw new MachineLoadError(
      spec,
      'no-export',
      `\`${path}\` has no export \`${exportName}\` (its exports: ${listed})`,
    );
  }
  const value = module[exportName];
  if (!isStateMachine(value)) {
    throw new MachineLoadError(
      spec,
      'not-a-machine',
      `its export \`${exportName}\` is ${describe(value)}`,
    );
  }
  return value;
}

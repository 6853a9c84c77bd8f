/**
 * `warden dashboard`: its option checks and file checks in this process, serving until the
 * interrupt in this process, and as a child process stopped by SIGTERM.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createManualClock } from '../../src/index.js';
import { pageUrl } from '../../src/cli/commands/dashboard.js';
import { runCli } from '../../src/cli/program.js';
import { cli, fileScratch, preparedDatabase, t0 } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const mainScript = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const scratch = fileScratch();
let database: string;
beforeAll(async () => {
  database = await preparedDatabase(scratch);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const token = 'a-token-of-some-length';

describe('warden dashboard: its options', () => {
  it.each([
    [['--port', 'eighty'], 'Expected `--port` to be a whole number from 0 to 65535, got `eighty`'],
    [['--port', '70000'], '`70000`'],
    [['--poll-ms', '5'], 'Expected `--poll-ms` to be a whole number from 10 to 60000, got `5`'],
    [['--host', '0.0.0.0'], 'a loopback address (127.0.0.1, ::1, localhost) unless a `token`'],
    [
      ['--token', 'short'],
      'Expected `--token` to be a string of at least 16 characters, got `a string of 5`',
    ],
    [['--base-path', 'warden/'], 'Expected `--base-path` to be'],
    [['--host', '10.0.0.1'], 'Expected `--host` to be a loopback address'],
  ])('refuses %j: exit 2, quoting the value', async (args, message) => {
    const run = await cli(['dashboard', ...args, '--database', database]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });

  it('checks the token from WARDEN_DASHBOARD_TOKEN too', async () => {
    vi.stubEnv('WARDEN_DASHBOARD_TOKEN', 'tiny');
    const run = await cli(['dashboard', '--database', database]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('got `a string of 4`'); // the secret itself is not echoed
  });

  it('refuses a missing file (8) and a file not Warden’s (9) as the other subcommands do', async () => {
    const missing = join(scratch, 'nothing.db');
    const run = await cli(['dashboard', '--port', '0', '--database', missing]);
    expect(run.code).toBe(8);
    const jobs = await cli(['jobs', 'list', '--database', missing]);
    expect(run.stderr).toBe(jobs.stderr);
    expect(run.stderr).toContain(
      'does not exist: pass the file a Warden writes to with --database',
    );
    const foreign = join(scratch, 'notes.txt');
    writeFileSync(foreign, 'not a database at all, just some text'.repeat(200));
    expect((await cli(['dashboard', '--port', '0', '--database', foreign])).code).toBe(9);
  });

  it('prints its address under the base path with a trailing slash, and the token', () => {
    expect(pageUrl('http://127.0.0.1:4100', '', null)).toBe('http://127.0.0.1:4100/');
    expect(pageUrl('http://[::1]:80', '/ops/warden', 'a b&c')).toBe(
      'http://[::1]:80/ops/warden/?token=a%20b%26c',
    );
  });
});

/** Runs `warden <args>` in this process: resolves `printed` with its first stdout, stops on `interrupt()`. */
function serving(args: readonly string[]) {
  let print: (text: string) => void = () => undefined;
  const printed = new Promise<string>((resolve) => {
    print = resolve;
  });
  let interrupt: () => void = () => undefined;
  const run = { printed, interrupt: () => interrupt(), stderr: '', exit: Promise.resolve(-1) };
  run.exit = runCli(args, {
    stdout: print,
    stderr: (text) => {
      run.stderr += text;
    },
    stderrIsTTY: false,
    clock: createManualClock(t0),
    hold: () => () => undefined,
    onInterrupt: (onSignal) => {
      interrupt = onSignal;
      return () => undefined;
    },
  });
  return run;
}

describe('warden dashboard: serving', () => {
  it('serves the file under its base path with the token until interrupted, then exits 0', async () => {
    vi.stubEnv('WARDEN_DASHBOARD_TOKEN', token);
    const run = serving([
      'dashboard',
      '--port',
      '0',
      '--base-path',
      '/ops',
      '--read-only',
      '--database',
      database,
    ]);
    const line = await run.printed;
    expect(line).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ops\/\?token=a-token-of-some-length\n$/);
    const page = new URL(line.trim());
    const api = new URL('api/overview', page);
    expect((await fetch(api)).status).toBe(401);
    const overview = await fetch(api, { headers: { authorization: `Bearer ${token}` } });
    expect(overview.status).toBe(200);
    expect(((await overview.json()) as { counts: Record<string, number> }).counts).toMatchObject({
      succeeded: 5,
      dead: 2,
    });
    const command = await fetch(new URL(`api/commands${page.search}`, page), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-warden-request': '1' },
      body: JSON.stringify({ kind: 'type.pause', target: 'email.send' }),
    });
    expect(command.status).toBe(403);
    expect(run.stderr).toContain('(read-only); Ctrl-C to stop');
    run.interrupt();
    expect(await run.exit).toBe(0);
    await expect(fetch(api)).rejects.toThrow();
  });

  it('prints one JSON document with --json', async () => {
    const run = serving(['dashboard', '--json', '--port', '0', '--database', database]);
    const out = await run.printed;
    run.interrupt();
    expect(await run.exit).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/) as unknown,
      database,
      readOnly: false,
    });
  });
});

describe('warden dashboard as a child process', { timeout: 60_000 }, () => {
  it('prints its URL, answers api/overview, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', mainScript, 'dashboard', '--port', '0', '--database', database],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`the dashboard exited with ${code}`)));
        createInterface({ input: child.stdout }).once('line', resolve);
      });
      expect(line).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const overview = await fetch(new URL('api/overview', line));
      expect(overview.status).toBe(200);
      expect(((await overview.json()) as { counts: Record<string, number> }).counts['dead']).toBe(
        2,
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

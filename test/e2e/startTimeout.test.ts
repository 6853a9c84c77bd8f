import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(root, 'test', 'e2e', 'fixtures', 'startTimeoutWorker.ts');

/** Runs the script to its end: its exit code and what it printed. */
async function run(startTimeoutMs: number): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(startTimeoutMs)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout };
}

// Issue 9 §5.6: the process exited with code 13 (an unsettled top-level await), printing nothing.
describe('a top-level await warden.start() waiting on a child’s startTimeoutMs', () => {
  it('keeps the process alive until start() resolves, after the start timeout', async () => {
    const { code, stdout } = await run(300);

    expect(code).toBe(0);
    const said = JSON.parse(stdout) as { started: boolean; waitedMs: number; history: string[] };
    expect(said.started).toBe(true);
    expect(said.waitedMs).toBeGreaterThanOrEqual(290);
    expect(said.history).toContain('exited START_TIMEOUT');
  }, 30_000);
});

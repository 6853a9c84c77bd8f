import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDatabase } from '../helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(root, 'test', 'e2e', 'fixtures', 'startWorker.ts');

interface Said {
  readonly started?: boolean;
  readonly code?: string;
  readonly name?: string;
  readonly message?: string;
}

/** A process that starts a Warden on `database` when told to, and says how it went. */
function contender(database: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, database], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // Watched from the start: a refused contender may exit before end() is called.
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const said: Promise<Said>[] = [];
  const waiting: ((said: Said) => void)[] = [];
  for (let i = 0; i < 2; i++) {
    said.push(
      new Promise<Said>((resolve, reject) => {
        waiting.push(resolve);
        child.once('error', reject);
        child.once('exit', (code) => {
          reject(new Error(`the contender exited (${String(code)}) before line ${i + 1}`));
        });
      }),
    );
  }
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line) as Said));
  return {
    /** Resolves once the process has loaded everything and waits for "go". */
    ready: said[0] as Promise<Said>,
    go: () => child.stdin.write('go\n'),
    said: said[1] as Promise<Said>,
    /** Closes its stdin (a started Warden then stops) and waits for it to exit. */
    end: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

describe('two processes starting on one new file at the same moment', () => {
  it('lets exactly one start; the other gets DATABASE_IN_USE, not a raw SQLite error', async () => {
    for (let round = 0; round < 3; round++) {
      const database = tempDatabase();
      const both = [contender(database), contender(database)];
      // Both loaded first, so their start() calls begin within a millisecond of each other.
      await Promise.all(both.map((c) => c.ready));
      for (const c of both) c.go();
      const said = await Promise.all(both.map((c) => c.said));
      await Promise.all(both.map((c) => c.end()));

      const started = said.filter((s) => s.started === true);
      const refused = said.filter((s) => s.started !== true);
      expect(started, JSON.stringify(said)).toHaveLength(1);
      expect(refused[0], JSON.stringify(said)).toMatchObject({
        name: 'DatabaseInUseError',
        code: 'DATABASE_IN_USE',
      });
    }
  }, 60_000);
});

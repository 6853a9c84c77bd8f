/**
 * A TypeScript script run in another process with tsx (`node --import tsx <script> ...args`),
 * spoken to a line at a time: orders on its stdin, its stdout read as lines. For the end-to-end
 * tests whose file is owned by another process.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface LineProcess {
  /** Every line it printed so far. */
  readonly lines: readonly string[];
  /** The first line, seen already or to come, that is `text` or starts with `text `. */
  line(text: string): Promise<string>;
  /** Sends `order` and resolves with the first line from now on that is or starts with `answer`. */
  ask(order: string, answer: string): Promise<string>;
  /** Kills it (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
}

/** Starts `script` with `args`; a wait for a line rejects, with its stderr, if it exits first. */
export function startLineProcess(script: string, args: readonly string[]): LineProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const lines: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.test(line))) waiter.resolve(line);
  });
  const exit = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const name = script.split('/').pop() ?? script;
  const until = (text: string, seen: boolean): Promise<string> =>
    new Promise((resolve, reject) => {
      const test = (line: string): boolean => line === text || line.startsWith(`${text} `);
      const found = seen ? lines.find(test) : undefined;
      if (found !== undefined) resolve(found);
      waiters.push({ test, resolve });
      void exit.then(() => reject(new Error(`${name} exited first:\n${stderr}`)));
    });
  return {
    lines,
    line: (text) => until(text, true),
    ask(order, answer) {
      const answered = until(answer, false);
      child.stdin.write(`${order}\n`);
      return answered;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exit;
    },
  };
}

import { realClock } from '../clock.js';
import type { CliIo } from './output.js';

/**
 * Ends the process quietly when the reader of stdout goes away (`warden jobs list | head`), as
 * command-line tools do, instead of dying of an unhandled EPIPE; other stream errors still throw.
 */
function exitOnBrokenPipe(proc: NodeJS.Process): void {
  proc.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    proc.exit(proc.exitCode ?? 0);
  });
}

/** The real process's streams, terminal, clock and signals, as `warden` (src/cli/main.ts) runs. */
export function processIo(proc: NodeJS.Process = process): CliIo {
  exitOnBrokenPipe(proc);
  return {
    stdout: (text) => proc.stdout.write(text),
    stderr: (text) => proc.stderr.write(text),
    stderrIsTTY: proc.stderr.isTTY,
    clock: realClock,
    hold: () => {
      // Process glue, not Warden's time: a ref'd handle keeps the process alive while the demo
      // runs (Warden's own timers are unref'd); the release lets it exit once the demo is done.
      // eslint-disable-next-line no-restricted-globals
      const timer = setInterval(() => undefined, 2 ** 30);
      return () => clearInterval(timer);
    },
    onInterrupt: (onSignal) => {
      proc.on('SIGINT', onSignal);
      proc.on('SIGTERM', onSignal);
      return () => {
        proc.off('SIGINT', onSignal);
        proc.off('SIGTERM', onSignal);
      };
    },
  };
}

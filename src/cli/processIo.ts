import { realClock } from '../clock.js';
import type { CliIo } from './output.js';

/** The real process's streams, terminal, clock and signals, as `warden` (src/cli/main.ts) runs. */
export function processIo(proc: NodeJS.Process = process): CliIo {
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

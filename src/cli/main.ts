#!/usr/bin/env node
/** The `warden` command: see docs/cli.md. */
import { realClock } from '../clock.js';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY,
  clock: realClock,
  hold: () => {
    // Process glue, not Warden's time: a ref'd handle keeps the process alive while the demo runs.
    // eslint-disable-next-line no-restricted-globals
    const timer = setInterval(() => undefined, 2 ** 30);

    return () => clearInterval(timer);
  },
  onInterrupt: (onSignal) => {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  },
});

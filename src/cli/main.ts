#!/usr/bin/env node
/** The `warden` command: see docs/cli.md. */
import { processIo } from './processIo.js';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());

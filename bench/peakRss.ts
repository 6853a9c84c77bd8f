/**
 * Peak RSS of one run in a fresh process: the benchmark's runs share a process, whose RSS only
 * grows, so each peer's peak is measured in a child of its own (`process.resourceUsage().maxRSS`
 * at the end). `baseline` loads the same modules and runs nothing: the cost of the process itself;
 * `warden-idle` starts a Warden on a fresh file and stops it: the cost of its writer thread.
 *
 * Run as a script, this file is that child: `tsx bench/peakRss.ts '<json of a PeakRssRun>'`.
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createWarden } from '../src/index.js';
import { benchPlainjob } from './plainjob.js';
import { benchWarden, removeDatabase } from './warden.js';

export interface PeakRssRun {
  readonly peer: 'baseline' | 'warden-idle' | 'plainjob' | 'warden';
  readonly jobs: number;
  readonly concurrency: number;
}

export interface PeakRssResult extends PeakRssRun {
  readonly peakRssMb: number;
  readonly endToEndPerSec: number;
}

const self = fileURLToPath(import.meta.url);

/** Runs `run` in a child process (the same Node flags as this one) and returns its peak RSS. */
export async function peakRssInChild(run: PeakRssRun): Promise<PeakRssResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...process.execArgv, self, JSON.stringify(run)],
    { maxBuffer: 1 << 20 },
  );
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as PeakRssResult;
}

async function child(run: PeakRssRun): Promise<PeakRssResult> {
  const file = join(tmpdir(), `warden-bench-rss-${run.peer}-${process.pid}.db`);
  const { jobs, concurrency } = run;
  if (run.peer === 'warden-idle') {
    const warden = createWarden({ database: file, concurrency, synchronous: 'normal' });
    await warden.start();
    await warden.stop();
  }
  const result =
    run.peer === 'plainjob'
      ? await benchPlainjob({ jobs, concurrency, file })
      : run.peer === 'warden'
        ? await benchWarden({ jobs, concurrency, file, synchronous: 'normal' })
        : undefined;
  removeDatabase(file);
  return {
    ...run,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    endToEndPerSec: result?.endToEndPerSec ?? Number.NaN,
  };
}

const entry = process.argv[1];
if (entry !== undefined && resolve(entry) === self) {
  const run = JSON.parse(process.argv[2] ?? '{}') as PeakRssRun;
  console.log(JSON.stringify(await child(run)));
}

/**
 * `warden demo` in this process, on a manual clock driven until the demo returns: the whole
 * workload (retries, a bounce, a checkpoint resume, a timeout parked by its fallback), a re-run
 * that adds nothing, `--fresh`, Ctrl-C, and `--linger` until Ctrl-C.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/index.js';
import type { DemoSummary } from '../../src/cli/demo.js';
import { runCli } from '../../src/cli/program.js';
import { cli, fileScratch, t0, type CliOptions, type CliRun } from './helpers.js';

const scratch = fileScratch();

/** Runs `warden demo <args>` and advances the clock by `stepMs` until it returns. */
async function demo(
  args: readonly string[],
  options: CliOptions & { readonly clock: ManualClock },
  stepMs = 25,
): Promise<CliRun> {
  let done = false;
  const running = cli(['demo', ...args], options).finally(() => {
    done = true;
  });
  while (!done) await options.clock.advance(stepMs);
  return running;
}

describe('warden demo', () => {
  it('runs the workload to its end, and a re-run adds nothing', { timeout: 60_000 }, async () => {
    const database = join(scratch, 'demo.db');
    const clock = createManualClock(t0);
    const first = await demo(['--scale', '16', '--database', database, '--json'], { clock });
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as DemoSummary;
    expect(summary).toMatchObject({ database, enqueued: 16 + 6 + 2 + 2, completed: true });
    expect(summary.counts['email.send']).toMatchObject({ succeeded: 15, dead: 1 });
    expect(summary.counts['image.resize']).toMatchObject({ succeeded: 6, dead: 0 });
    expect(summary.counts['report.build']).toMatchObject({ succeeded: 2 });
    // The hanging endpoint times out twice; the fallback parks it: succeeded, via the fallback.
    expect(summary.counts['webhook.deliver']).toMatchObject({ succeeded: 2 });

    const again = await demo(['--scale', '16', '--database', database], {
      clock,
      tty: true,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /^demo: 0 jobs enqueued into .*demo\.db; every job finished in [\d.]+ (ms|s)\n\nTYPE +SCHEDULED/,
    );
    expect(again.stdout).toMatch(/\n\(all\) +0 +0 +0 +0 +0 +25 +0 +1 +26\n$/);

    const fresh = await demo(['--scale', '8', '--fresh', '--database', database, '--json'], {
      clock,
    });
    expect((JSON.parse(fresh.stdout) as DemoSummary).enqueued).toBe(8 + 3 + 1 + 1);
  });

  it('draws its progress on a terminal', { timeout: 60_000 }, async () => {
    const clock = createManualClock(t0);
    const { code, stderr } = await demo(
      ['--scale', '8', '--database', join(scratch, 'progress.db')],
      { clock, tty: true },
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/demo: jobs finished: \[[#.]{20}\] \d+\/13 \(\d+%\)/);
  });

  it(
    'stops early on Ctrl-C with exit 130, leaving the rest to resume',
    { timeout: 60_000 },
    async () => {
      const clock = createManualClock(t0);
      const database = join(scratch, 'interrupted.db');
      let interrupt: (() => void) | undefined;
      let done = false;
      const running = cli(['demo', '--scale', '40', '--database', database], {
        clock,
        interrupt: (onSignal) => {
          interrupt = onSignal;
        },
      }).finally(() => {
        done = true;
      });
      await clock.advance(100);
      interrupt?.();
      while (!done) await clock.advance(25);
      const { code, stdout } = await running;
      expect(code).toBe(130);
      expect(stdout).toMatch(
        /^demo: stopped early after .*; run it again on .*interrupted\.db to resume\n/,
      );
      expect(existsSync(database)).toBe(true);
    },
  );

  it('lingers as the owner with --linger until Ctrl-C', { timeout: 60_000 }, async () => {
    const clock = createManualClock(t0);
    const database = join(scratch, 'linger.db');
    let interrupt: (() => void) | undefined;
    let stderr = '';
    let stdout = '';
    let done = false;
    const running = runCli(['demo', '--scale', '8', '--linger', '--database', database], {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      stderrIsTTY: false,
      clock,
      hold: () => () => undefined,
      onInterrupt: (onSignal) => {
        interrupt = onSignal;
        return () => undefined;
      },
    }).finally(() => {
      done = true;
    });
    while (!stderr.includes('still owns') && !done) await clock.advance(25);
    expect(stderr).toBe(
      `demo: every job finished; this process still owns ${database}: try \`warden health --database ${database}\` in another terminal, Ctrl-C to stop\n`,
    );
    await clock.advance(60_000);
    expect(done).toBe(false);
    interrupt?.();
    while (!done) await clock.advance(25);
    expect(await running).toBe(0);
    // The time reported is the run's, not the minute it lingered.
    expect(stdout).toMatch(
      /^demo: 13 jobs enqueued into .*; every job finished in [\d.]+ (ms|s)\n/,
    );
  });
});

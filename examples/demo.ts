import { filter } from 'rxjs';
/**
 * Warden demo: a few hundred jobs of four kinds run on an embedded SQLite file, with a live
 * progress line and a closing summary.
 *
 *   npm run demo                     # runs on ./demo.db
 *   npm run demo -- /tmp/d.db        # another file
 *   npm run demo -- --fresh          # delete the file first and start over
 *
 * Press Ctrl-C mid-run: running jobs get 2 s to finish, the rest stay in the file. Run the demo
 * again on the same file and it resumes the unfinished jobs; every job carries an idempotency key,
 * so nothing is enqueued twice.
 *
 * The jobs simulate their work with timers. Each payload's `sim` field scripts how the simulated
 * service behaves (its latency, which attempts fail), so every run tells the same story:
 * - `email.send`: short jobs; some fail transiently (SMTP 421) and retry with exponential backoff
 *   and jitter; one address bounces permanently (`UnrecoverableError`) and ends `dead`.
 * - `image.resize`: several sizes per image, reporting progress after each; a few uploads fail
 *   half-way and retry.
 * - `report.build`: long jobs that checkpoint after every section; a failed attempt resumes from
 *   its last checkpoint instead of starting over.
 * - `webhook.deliver`: one partner endpoint hangs; each attempt times out (`timeoutMs`) and the
 *   fallback parks the delivery in an outbox, ending the job `succeeded` via its fallback.
 */
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  createWarden,
  isJobEvent,
  UnrecoverableError,
  WardenError,
  type EnqueueItem,
  type Job,
  type JobStatus,
  type Warden,
} from '../src/index.js';

// --- the workload ------------------------------------------------------------------------------

/** How a simulated service behaves for one job. */
interface Sim {
  /** Milliseconds per unit of work. */
  readonly ms: number;
  /** Attempts 1..failAttempts fail (transiently). */
  readonly failAttempts: number;
}

interface EmailPayload {
  readonly to: string;
  readonly template: string;
  readonly sim: Sim;
}

interface ImagePayload {
  readonly image: string;
  readonly sizes: readonly number[];
  readonly sim: Sim & { readonly failAtSize: number };
}

interface ReportPayload {
  readonly report: string;
  readonly sections: readonly string[];
  readonly sim: Sim & { readonly failAtSection: number };
}

interface WebhookPayload {
  readonly url: string;
  readonly event: string;
  readonly sim: Sim;
}

interface ReportCheckpoint {
  readonly sectionsDone: number;
  readonly rows: number;
}

/** A small seeded PRNG (mulberry32): the workload is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bouncingAddress = 'nobody@invalid.example';
const hangingEndpoint = 'https://partner-b.example/hooks/orders';

/** The demo's jobs, each with an idempotency key so that a re-run enqueues nothing twice. */
function workload(): EnqueueItem[] {
  const random = seeded(2024);
  const between = (low: number, high: number): number => low + Math.floor(random() * (high - low));
  const items: EnqueueItem[] = [];

  const templates = ['welcome', 'receipt', 'password-reset', 'weekly-digest'];
  for (let i = 0; i < 180; i++) {
    const template = templates[i % templates.length] ?? 'welcome';
    const to = i === 57 ? bouncingAddress : `user${1000 + i}@example.com`;
    const failAttempts = i % 29 === 11 ? 2 : i % 9 === 4 ? 1 : 0;
    const payload: EmailPayload = { to, template, sim: { ms: between(30, 80), failAttempts } };
    items.push({
      type: 'email.send',
      payload,
      // Password resets jump the queue.
      options: { idempotencyKey: `email-${i}`, priority: template === 'password-reset' ? 10 : 0 },
    });
  }

  const allSizes = [64, 256, 512, 1024, 2048];
  for (let i = 0; i < 60; i++) {
    const sizes = allSizes.slice(0, between(3, 6));
    const payload: ImagePayload = {
      image: `uploads/IMG_${4100 + i}.jpg`,
      sizes,
      sim: { ms: between(35, 65), failAttempts: i % 11 === 5 ? 1 : 0, failAtSize: 2 },
    };
    items.push({ type: 'image.resize', payload, options: { idempotencyKey: `image-${i}` } });
  }

  const sections = ['revenue', 'churn', 'cohorts', 'funnel', 'regions', 'forecast'];
  for (let i = 0; i < 16; i++) {
    const month = `2024-${String((i % 12) + 1).padStart(2, '0')}`;
    const payload: ReportPayload = {
      report: `${i < 12 ? 'monthly' : 'board'}-${month}`,
      sections,
      sim: { ms: between(50, 90), failAttempts: i % 5 === 2 ? 1 : 0, failAtSection: 3 },
    };
    items.push({ type: 'report.build', payload, options: { idempotencyKey: `report-${i}` } });
  }

  const events = ['order.created', 'order.paid', 'order.shipped'];
  for (let i = 0; i < 24; i++) {
    const url = i === 17 ? hangingEndpoint : `https://partner-a.example/hooks/${i % 4}`;
    const payload: WebhookPayload = {
      url,
      event: events[i % events.length] ?? 'order.created',
      // The hanging endpoint would take 30 s; the 300 ms timeout cuts every attempt short.
      sim: { ms: url === hangingEndpoint ? 30_000 : between(20, 50), failAttempts: 0 },
    };
    items.push({ type: 'webhook.deliver', payload, options: { idempotencyKey: `webhook-${i}` } });
  }
  return items;
}

/** Defines the four job types. Every handler honours its signal, so timeouts and Ctrl-C stop it. */
function defineJobs(warden: Warden): void {
  warden.defineJob<EmailPayload, { messageId: string }>('email.send', {
    retry: {
      attempts: 5,
      backoff: { type: 'exponential', delayMs: 100, factor: 2, maxDelayMs: 2000, jitter: 0.5 },
    },
    run: async (email, ctx) => {
      await sleep(email.sim.ms, undefined, { signal: ctx.signal });
      if (email.to === bouncingAddress) {
        throw new UnrecoverableError(`550 5.1.1 <${email.to}>: mailbox unavailable`);
      }
      if (ctx.attempt <= email.sim.failAttempts) {
        throw new Error('421 4.7.0 SMTP server busy, try again later');
      }
      return { messageId: `<${ctx.jobId}.${ctx.attempt}@mail.example>` };
    },
  });

  warden.defineJob<ImagePayload, { outputs: string[] }>('image.resize', {
    concurrency: 3,
    retry: {
      attempts: 3,
      backoff: { type: 'exponential', delayMs: 200, maxDelayMs: 2000, jitter: 0.3 },
    },
    run: async (image, ctx) => {
      const outputs: string[] = [];
      for (const [index, size] of image.sizes.entries()) {
        await sleep(image.sim.ms, undefined, { signal: ctx.signal });
        if (index === image.sim.failAtSize && ctx.attempt <= image.sim.failAttempts) {
          throw new Error('ECONNRESET: the object store dropped the upload');
        }
        outputs.push(image.image.replace(/\.jpg$/, `@${size}w.webp`));
        ctx.progress(index + 1, image.sizes.length);
      }
      return { outputs };
    },
  });

  warden.defineJob<ReportPayload, { rows: number; resumedFrom: number }, ReportCheckpoint>(
    'report.build',
    {
      concurrency: 2,
      timeoutMs: 10_000,
      retry: {
        attempts: 3,
        backoff: { type: 'exponential', delayMs: 250, maxDelayMs: 2000, jitter: 0.2 },
      },
      run: async (report, ctx) => {
        const resumedFrom = ctx.lastCheckpoint?.sectionsDone ?? 0;
        let rows = ctx.lastCheckpoint?.rows ?? 0;
        for (let section = resumedFrom; section < report.sections.length; section++) {
          await sleep(report.sim.ms, undefined, { signal: ctx.signal });
          if (section === report.sim.failAtSection && ctx.attempt <= report.sim.failAttempts) {
            throw new Error('warehouse query cancelled: connection reset by peer');
          }
          rows += 1000 + section * 37;
          await ctx.checkpoint({ sectionsDone: section + 1, rows });
        }
        return { rows, resumedFrom };
      },
    },
  );

  warden.defineJob<WebhookPayload, { status: number } | { parked: string }>('webhook.deliver', {
    timeoutMs: 300,
    retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 100 } },
    run: async (hook, ctx) => {
      await sleep(hook.sim.ms, undefined, { signal: ctx.signal });
      return { status: 200 };
    },
    // After the last attempt fails: keep the delivery for the partner's next batch pull.
    fallback: (_hook, ctx) => ({ parked: `outbox/${ctx.jobId}.json` }),
  });
}

// --- the display -------------------------------------------------------------------------------

type Counts = Record<JobStatus, number>;

const sum = (counts: Counts): number => Object.values(counts).reduce((a, b) => a + b, 0);
const finished = (counts: Counts): number => counts.succeeded + counts.dead + counts.cancelled;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/**
 * One status line, refreshed from Warden's events: in place (`\r`) on a terminal, or a plain line
 * every second when stdout is a pipe or a file.
 */
class ProgressLine {
  // Typed boolean, but undefined when stdout is not a terminal.
  private readonly tty = process.stdout.isTTY;
  private readonly startedAt = performance.now();
  private counts: Counts;
  private dirty = true;
  private retries = 0;
  private frame = 0;
  private readonly imageProgress = new Map<string, string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private shown = false;

  constructor(
    private readonly warden: Warden,
    initial: Counts,
  ) {
    this.counts = initial;
    warden.events$.pipe(filter(isJobEvent)).subscribe((event) => {
      this.dirty = true;
      if (event.type === 'job.retrying') this.retries++;
      if (event.jobType !== 'image.resize') return;
      if (event.type === 'job.progress') {
        this.imageProgress.set(
          event.jobId,
          `${event.progress.done}/${event.progress.total ?? '?'}`,
        );
      } else if (event.type !== 'job.started' && event.type !== 'job.queued') {
        this.imageProgress.delete(event.jobId);
      }
    });
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tty ? 100 : 1000);
    void this.tick();
  }

  /** Stops refreshing; on a terminal, leaves the last state on its own line. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.refresh();
    if (this.tty && this.shown) process.stdout.write(`\r\x1b[2K${this.line()}\n`);
    this.shown = false;
  }

  /** Re-reads the counts, but only when an event said something changed. */
  private async refresh(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      this.counts = await this.warden.countJobs();
    } catch {
      // Warden has stopped: keep the last counts.
    }
  }

  private async tick(): Promise<void> {
    await this.refresh();
    if (this.timer === undefined) return;
    this.frame++;
    if (this.tty) {
      const width = process.stdout.columns || 100;
      let text = this.line();
      if (text.length > width - 1) text = text.slice(0, width - 1);
      process.stdout.write(`\r\x1b[2K${text}`);
      this.shown = true;
    } else {
      say(this.line());
    }
  }

  private line(): string {
    const c = this.counts;
    const total = sum(c);
    const done = finished(c);
    const ratio = total === 0 ? 0 : done / total;
    const elapsed = seconds(performance.now() - this.startedAt);
    const spinner = '|/-\\'[this.frame % 4] ?? '|';
    const barWidth = 20;
    const filled = Math.round(ratio * barWidth);
    const bar = this.tty
      ? `${spinner} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] `
      : '';
    const images = [...this.imageProgress.values()].slice(0, 3).join(' ');
    return (
      `${bar}${String(Math.floor(ratio * 100)).padStart(3)}% ${elapsed.padStart(6)}  ` +
      `queued ${c.queued + c.scheduled}  running ${c.running}  retrying ${c.retrying}  ` +
      `succeeded ${c.succeeded}  dead ${c.dead}  | retries ${this.retries}` +
      (images === '' ? '' : `  | resizing ${images}`)
    );
  }
}

// --- the summary -------------------------------------------------------------------------------

function errorText(job: Job): string {
  const error = job.error;
  if (error === null) return 'no error recorded';
  return `${error.code ?? error.name}: ${error.message}`;
}

/** The closing summary; `run` is undefined when this run had nothing to do. */
async function summarise(
  warden: Warden,
  run: { elapsedMs: number; retries: number } | undefined,
): Promise<void> {
  const jobs = await warden.listJobs({ limit: 10_000 });
  const types = [...new Set(jobs.map((job) => job.type))];
  const count = (list: Job[], test: (job: Job) => boolean): number => list.filter(test).length;
  const succeeded = count(jobs, (job) => job.status === 'succeeded');
  const viaFallback = jobs.filter((job) => job.viaFallback);
  const dead = jobs.filter((job) => job.status === 'dead');
  const retried = count(jobs, (job) => job.attempt > 1);
  const resumed = count(
    jobs,
    (job) =>
      job.type === 'report.build' &&
      job.status === 'succeeded' &&
      ((job.result as { resumedFrom?: number } | null)?.resumedFrom ?? 0) > 0,
  );

  say();
  say(
    `${run === undefined ? 'in all' : `finished in ${seconds(run.elapsedMs)}`}: ${jobs.length} jobs, ${succeeded} succeeded` +
      `${viaFallback.length > 0 ? ` (${viaFallback.length} via fallback)` : ''}, ` +
      `${retried} retried, ${dead.length} dead`,
  );
  say();
  say(
    `  ${'type'.padEnd(16)} ${'jobs'.padStart(5)} ${'succeeded'.padStart(10)}` +
      ` ${'retried'.padStart(8)} ${'dead'.padStart(5)}`,
  );
  for (const type of types) {
    const ofType = jobs.filter((job) => job.type === type);
    say(
      `  ${type.padEnd(16)} ${String(ofType.length).padStart(5)}` +
        ` ${String(count(ofType, (job) => job.status === 'succeeded')).padStart(10)}` +
        ` ${String(count(ofType, (job) => job.attempt > 1)).padStart(8)}` +
        ` ${String(count(ofType, (job) => job.status === 'dead')).padStart(5)}`,
    );
  }
  say();
  if (run !== undefined) say(`  retries scheduled in this run: ${run.retries}`);
  if (resumed > 0) say(`  reports resumed from a checkpoint after a failed attempt: ${resumed}`);
  for (const job of viaFallback) {
    say(`  via fallback: job ${job.id} ${job.type}, after ${errorText(job)}`);
  }
  for (const job of dead) say(`  dead: job ${job.id} ${job.type}: ${errorText(job)}`);
}

// --- main --------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { fresh: { type: 'boolean', default: false }, help: { type: 'boolean' } },
  });
  if (values.help === true) {
    say('usage: npm run demo -- [--fresh] [database]   (database defaults to ./demo.db)');
    return 0;
  }
  const database = positionals[0] ?? './demo.db';
  if (values.fresh) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${database}${suffix}`, { force: true });
  }

  const warden = createWarden({ database, concurrency: 8 });
  defineJobs(warden);
  let stalled = 0;
  let retries = 0;
  let finishedWhileStopping = 0;
  let stopping = false;
  warden.on('job.stalled', () => stalled++);
  warden.on('job.retrying', () => retries++);
  const onTerminal = (): void => {
    if (stopping) finishedWhileStopping++;
  };
  warden.on('job.succeeded', onTerminal);
  warden.on('job.dead', onTerminal);
  warden.on('job.cancelled', onTerminal);

  await warden.start();
  const startedAt = performance.now();
  const before = await warden.countJobs();
  const items = workload();
  if (sum(before) > 0 && finished(before) < sum(before)) {
    say(
      `resuming: ${sum(before) - finished(before)} jobs unfinished from a previous run ` +
        `(${finished(before)} already done${stalled > 0 ? `, ${stalled} were running when it stopped and were recovered as stalled` : ''})`,
    );
  }
  const jobs = await warden.enqueueMany(items);
  const after = await warden.countJobs();
  const added = sum(after) - sum(before);
  if (added > 0) {
    const byType = new Map<string, number>();
    for (const item of items) byType.set(item.type, (byType.get(item.type) ?? 0) + 1);
    say(
      `enqueued ${added} jobs into ${database}: ` +
        [...byType].map(([type, n]) => `${n} ${type}`).join(', '),
    );
  }
  if (finished(after) === sum(after)) {
    say(`nothing to do: all ${sum(after)} jobs in ${database} finished in a previous run`);
    say('(pass --fresh to start over)');
    await summarise(warden, undefined);
    await warden.stop();
    return 0;
  }

  const display = new ProgressLine(warden, after);
  display.start();

  // Ctrl-C: stop taking work, give running jobs 2 s, leave the rest for the next run.
  let onSigint: () => void = () => undefined;
  const interrupted = new Promise<number>((resolve, reject) => {
    const shutdown = async (): Promise<number> => {
      stopping = true;
      const counts = await warden.countJobs();
      await display.stop();
      say('interrupted: stopping; running jobs get 2 s to finish...');
      await warden.stop({ graceMs: 2000 });
      const left = sum(counts) - finished(counts) - finishedWhileStopping;
      say(
        left > 0
          ? `stopped with ${left} jobs unfinished; run the demo again on ${database} to resume them`
          : 'stopped; every job had finished',
      );
      return 130;
    };
    onSigint = () => {
      // Further presses are ignored while the grace period runs (2 s at most).
      process.off('SIGINT', onSigint);
      process.on('SIGINT', () => undefined);
      shutdown().then(resolve, reject);
    };
    process.on('SIGINT', onSigint);
  });

  const completed = Promise.all(jobs.map((job) => warden.waitForJob(job.id))).then(
    () => 0,
    (error: unknown) => {
      // Stopping rejects the waiters; the interrupt path reports that.
      if (stopping && WardenError.is(error) && error.code === 'NOT_RUNNING') return interrupted;
      throw error;
    },
  );
  const code = await Promise.race([completed, interrupted]);
  if (code !== 0) return code;

  process.off('SIGINT', onSigint);
  await display.stop();
  await summarise(warden, { elapsedMs: performance.now() - startedAt, retries });
  await warden.stop({ graceMs: 2000 });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);

/**
 * `warden demo`: a self-contained workload on a database file, so that every other subcommand
 * has something to show. Four job types, a breaker and a pool, driven by a seeded script so that
 * every run tells the same story:
 * - `email.send` through breaker `smtp`: some attempts fail transiently and retry with backoff;
 *   one address bounces (`UnrecoverableError`) and ends `dead`.
 * - `image.resize` on pool `renderers` (two at a time), reporting progress per size.
 * - `report.build`: checkpoints after each section; a failed attempt resumes from its checkpoint.
 * - `webhook.deliver`: one endpoint hangs; its attempts time out and the fallback parks it.
 * Every job has an idempotency key, so a second run on the same file enqueues nothing twice.
 */
import type { Clock } from '../clock.js';
import { createWarden } from '../warden.js';
import type { Warden } from '../facade/Warden.js';
import type { EnqueueItem } from '../facade/enqueueChecks.js';
import { UnrecoverableError } from '../errors.js';
import { jobStatuses, type JobStatus } from '../machines/jobMachine.js';
import { countsByType } from './commands/jobs.js';
import { openReadOnly } from './database.js';

/** What `runDemo` is given. */
export interface DemoOptions {
  readonly database: string;
  /** Jobs of each kind: `scale` emails, `scale / 3` images, `scale / 8` reports and webhooks. */
  readonly scale: number;
  readonly clock: Clock;
  /** Aborted to stop early (Ctrl-C): running jobs get a short grace, the rest stay queued. */
  readonly signal: AbortSignal;
  /** Called with the counts as jobs finish. */
  readonly onProgress: (finished: number, total: number) => void;
  /** Once every job has finished: resolve to stop the Warden (`--linger` waits for a signal). */
  readonly beforeStop: (warden: Warden) => Promise<void>;
}

/** What a run of the demo did. */
export interface DemoSummary {
  readonly database: string;
  /** Jobs this run added (0 on a re-run of a finished file). */
  readonly enqueued: number;
  /** False when it was stopped early. */
  readonly completed: boolean;
  /** Every job in the file, by type and status, after the run. */
  readonly counts: Record<string, Record<JobStatus, number>>;
}

const bouncing = 'nobody@invalid.example';
const hanging = 'https://partner-b.example/hooks/orders';

/** Waits `ms` on `clock`, or rejects with the signal's reason once it is aborted. */
function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The demo's jobs; item `i` of each kind always behaves the same. */
export function demoWorkload(scale: number): EnqueueItem[] {
  const items: EnqueueItem[] = [];
  const templates = ['welcome', 'receipt', 'password-reset', 'weekly-digest'];
  for (let i = 0; i < scale; i++) {
    const template = templates[i % templates.length] ?? 'welcome';
    items.push({
      type: 'email.send',
      payload: {
        to: i === 7 ? bouncing : `user${1000 + i}@example.com`,
        template,
        fails: i % 9 === 4 ? 1 : 0,
      },
      options: {
        idempotencyKey: `demo-email-${i}`,
        priority: template === 'password-reset' ? 10 : 0,
      },
    });
  }
  for (let i = 0; i < Math.ceil(scale / 3); i++) {
    items.push({
      type: 'image.resize',
      payload: {
        image: `uploads/IMG_${4100 + i}.jpg`,
        sizes: [64, 256, 1024],
        fails: i % 5 === 2 ? 1 : 0,
      },
      options: { idempotencyKey: `demo-image-${i}` },
    });
  }
  for (let i = 0; i < Math.ceil(scale / 8); i++) {
    items.push({
      type: 'report.build',
      payload: {
        report: `monthly-2024-${String((i % 12) + 1).padStart(2, '0')}`,
        sections: 5,
        fails: i % 3 === 1 ? 1 : 0,
      },
      options: { idempotencyKey: `demo-report-${i}` },
    });
    items.push({
      type: 'webhook.deliver',
      payload: {
        url: i === 1 ? hanging : `https://partner-a.example/hooks/${i}`,
        event: 'order.paid',
      },
      options: { idempotencyKey: `demo-webhook-${i}` },
    });
  }
  return items;
}

/** Defines the demo's job types, its breaker and its pool on `warden`. */
function define(warden: Warden, clock: Clock): void {
  const smtp = warden.breaker('smtp', { failureRate: 0.9, minimumCalls: 20 });
  warden.pool('renderers', { create: () => ({ renders: 0 }), min: 1, max: 2 });
  const retry = {
    attempts: 4,
    backoff: { type: 'exponential', delayMs: 50, maxDelayMs: 400, jitter: 0.2 },
  } as const;

  warden.defineJob<{ to: string; fails: number }>('email.send', {
    retry,
    run: async (email, ctx) => {
      await smtp.call(async () => {
        await pause(clock, 30, ctx.signal);
        if (ctx.attempt <= email.fails)
          throw new Error('421 4.7.0 SMTP server busy, try again later');
      });
      if (email.to === bouncing)
        throw new UnrecoverableError(`550 5.1.1 <${email.to}>: mailbox unavailable`);
      return { messageId: `<${ctx.jobId}.${ctx.attempt}@mail.example>` };
    },
  });
  warden.defineJob<{ image: string; sizes: number[]; fails: number }>('image.resize', {
    retry,
    run: (image, ctx) =>
      ctx.use('renderers', async (renderer: { renders: number }) => {
        const outputs: string[] = [];
        for (const [index, size] of image.sizes.entries()) {
          await pause(clock, 40, ctx.signal);
          if (index === 1 && ctx.attempt <= image.fails)
            throw new Error('ECONNRESET: the upload was dropped');
          renderer.renders++;
          outputs.push(image.image.replace(/\.jpg$/, `@${size}w.webp`));
          ctx.progress(index + 1, image.sizes.length);
        }
        return { outputs };
      }),
  });
  warden.defineJob<
    { sections: number; fails: number },
    { rows: number },
    { done: number; rows: number }
  >('report.build', {
    retry,
    run: async (report, ctx) => {
      let { done, rows } = ctx.lastCheckpoint ?? { done: 0, rows: 0 };
      for (; done < report.sections;) {
        await pause(clock, 50, ctx.signal);
        if (done === 2 && ctx.attempt <= report.fails) throw new Error('warehouse query cancelled');
        done++;
        rows += 1000;
        await ctx.checkpoint({ done, rows });
      }
      return { rows };
    },
  });
  warden.defineJob<{ url: string }>('webhook.deliver', {
    timeoutMs: 200,
    retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 50 } },
    run: async (hook, ctx) => {
      await pause(clock, hook.url === hanging ? 30_000 : 25, ctx.signal);
      return { status: 200 };
    },
    fallback: (_hook, ctx) => ({ parked: `outbox/${ctx.jobId}.json` }),
  });
}

function sumOf(counts: Record<JobStatus, number>): number {
  return jobStatuses.reduce((total, status) => total + counts[status], 0);
}

function finishedOf(counts: Record<JobStatus, number>): number {
  return counts.succeeded + counts.dead + counts.cancelled;
}

/** Runs the demo on `options.database` (created if missing) and says what it did. */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { clock, signal } = options;
  const warden = createWarden({ database: options.database, clock, concurrency: 8 });
  define(warden, clock);
  await warden.start();
  let completed = false;
  let enqueued = 0;
  try {
    const before = sumOf(await warden.countJobs());
    const jobs = await warden.enqueueMany(demoWorkload(options.scale));
    enqueued = sumOf(await warden.countJobs()) - before;
    const report = async (): Promise<void> => {
      const counts = await warden.countJobs();
      options.onProgress(finishedOf(counts), sumOf(counts));
    };
    const subscription = warden.events$.subscribe((event) => {
      if (event.type === 'job.succeeded' || event.type === 'job.dead')
        void report().catch(() => undefined);
    });
    const aborted = new Promise<false>((resolve) => {
      if (signal.aborted) resolve(false);
      signal.addEventListener('abort', () => resolve(false), { once: true });
    });
    const done = Promise.all(jobs.map((job) => warden.waitForJob(job.id))).then(() => true);
    completed = await Promise.race([done, aborted]);
    subscription.unsubscribe();
    if (completed) {
      await report();
      await options.beforeStop(warden);
    }
  } finally {
    await warden.stop({ graceMs: completed ? 2000 : 500 });
  }
  return { database: options.database, enqueued, completed, counts: countsAfter(options) };
}

/** The file's counts by type, read back after the Warden stopped. */
function countsAfter(options: DemoOptions): Record<string, Record<JobStatus, number>> {
  const db = openReadOnly(options.database);
  try {
    return Object.fromEntries(countsByType(db));
  } finally {
    db.close();
  }
}

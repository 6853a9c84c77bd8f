/**
 * The job actor's lifecycle cost: one attempt as the runtime drives it (a JobRun from a claimed
 * job: the shared claimed snapshot, START, a handler, SUCCEED, the outcome handed to its host),
 * beside a minimal XState actor (createActor, start, two events to a final state). Not a test:
 * it reads real time and prints numbers.
 *
 *   npm run bench:actor            # 5 rounds of 50,000
 */
import { cpus } from 'node:os';
import { assign, createActor, setup } from 'xstate';
import { resolveJobDefinition } from '../src/actors/jobDefinition.js';
import { JobRun, type JobRunHost } from '../src/actors/jobRun.js';
import { realClock } from '../src/clock.js';
import { silentLogger } from '../src/observability/logger.js';
import { median } from './median.js';

const rounds = Number(process.argv[2] ?? 5);
const runs = Number(process.argv[3] ?? 50_000);

const minimal = setup({
  types: { context: {} as { n: number }, events: {} as { type: 'GO' } | { type: 'DONE' } },
}).createMachine({
  initial: 'a',
  context: { n: 0 },
  states: {
    a: { on: { GO: { target: 'b', actions: assign({ n: ({ context }) => context.n + 1 }) } } },
    b: { on: { DONE: 'c' } },
    c: { type: 'final' },
  },
});

let finished = 0;
const host: JobRunHost = {
  clock: realClock,
  logger: silentLogger(),
  maxStalls: 3,
  random: () => 0,
  finish: () => {
    finished++;
  },
  progress: () => undefined,
  checkpoint: () => Promise.resolve(),
  invariant: (_run, error) => {
    throw error;
  },
  pool: () => undefined,
};
const definition = resolveJobDefinition('noop', { run: () => 1 }, 8);
const claimed = {
  id: '1',
  type: 'noop',
  priority: 0,
  payloadJson: '{}',
  attempt: 0,
  maxAttempts: 3,
  stalls: 0,
  version: 1,
  checkpointJson: null,
};

function timeMinimal(): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) {
    const actor = createActor(minimal);
    actor.start();
    actor.send({ type: 'GO' });
    actor.send({ type: 'DONE' });
    actor.stop();
  }
  return Number(process.hrtime.bigint() - start) / 1000 / runs;
}

function timeJobRun(): number {
  finished = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) new JobRun(host, definition, claimed).start();
  const us = Number(process.hrtime.bigint() - start) / 1000 / runs;
  if (finished !== runs) throw new Error(`only ${finished} of ${runs} runs finished`);
  return us;
}

timeMinimal();
timeJobRun(); // warm up
const minimalUs: number[] = [];
const jobRunUs: number[] = [];
for (let round = 0; round < rounds; round++) {
  minimalUs.push(timeMinimal());
  jobRunUs.push(timeJobRun());
}
console.log(
  `${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, medians of ${rounds} rounds of ${runs}`,
);
console.table([
  {
    lifecycle: 'minimal XState actor (start, 2 events, stop)',
    'µs per run': median(minimalUs).toFixed(2),
  },
  {
    lifecycle: 'Warden job attempt (JobRun: START, handler, SUCCEED)',
    'µs per run': median(jobRunUs).toFixed(2),
  },
]);

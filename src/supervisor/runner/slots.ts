import type { CallGate } from '../../actors/callPermit.js';
import type { ResolvedJobDefinition } from '../../actors/jobDefinition.js';
import { JobRun, type JobRunHost } from '../../actors/jobRun.js';
import type { ClaimedJob } from '../../persistence/Store.js';
import type { ClaimBuffer } from './claimBuffer.js';
import type { InFlight } from './inFlight.js';
import type { WriteOp } from './writeOps.js';

/**
 * Starts the best claimed jobs in every free slot, at once: each becomes a run (its job actor
 * takes `START`), its handler starts, and its `running` write is queued for the next commit. A
 * job whose breaker refuses it now goes back to the queue.
 */
export function startClaimed(
  host: JobRunHost,
  runs: InFlight,
  buffer: ClaimBuffer,
  options: {
    readonly concurrency: number;
    readonly definitions: ReadonlyMap<string, ResolvedJobDefinition>;
    readonly gate?: (type: string) => CallGate | undefined;
  },
  queue: (op: WriteOp) => void,
): void {
  const { concurrency, definitions } = options;
  let refused: ClaimedJob[] | undefined;
  while (runs.size < concurrency && buffer.size > 0) {
    const job = buffer.take(
      (candidate) => runs.of(candidate.type) < (definitions.get(candidate.type)?.concurrency ?? 0),
    );
    if (job === undefined) break;
    const definition = definitions.get(job.type);
    if (definition === undefined) continue;
    const gate = definition.breaker === undefined ? undefined : options.gate?.(job.type);
    const permit = gate?.acquire();
    if (gate !== undefined && permit === undefined) {
      (refused ??= []).push(job); // its breaker opened meanwhile: back to the queue
      continue;
    }
    const run = runs.add(new JobRun(host, definition, job, permit));
    if (!run.active) continue; // the machine refused the start (reported)
    queue({ kind: 'start', run });
    run.start();
  }
  for (const job of refused ?? []) queue({ kind: 'release', job });
}

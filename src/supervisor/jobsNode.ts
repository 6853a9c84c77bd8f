import { coerceError } from '../errors.js';
import type { JobRunner } from './runner/jobRunner.js';
import { builtInSpec, LeafNode } from './leafNode.js';
import { publishLifecycle, type NodeParent, type SupervisionRuntime } from './supervision.js';

/** The id of the job runner in the supervision tree. */
export const jobsNodeId = 'jobs';

/**
 * The job runner as a child of the root supervisor: starting it recovers stalled jobs and starts
 * the scheduler; stopping it gives running jobs their grace period, then aborts them.
 */
export class JobsNode extends LeafNode {
  readonly id = jobsNodeId;
  readonly spec = builtInSpec(jobsNodeId, 'escalate');
  /** The grace period the next stop gives running jobs. */
  graceMs = 10_000;
  /** Counts starts, so that a start that finishes after a later one began is ignored. */
  private generation = 0;

  constructor(
    private readonly scheduler: JobRunner,
    parent: NodeParent,
    runtime: SupervisionRuntime,
  ) {
    super(parent, runtime);
    // The job runner failed (the database kept refusing its writes): its supervisor decides.
    scheduler.onFailure = (error) => {
      this.exitAbnormally(error);
    };
  }

  start(): void {
    this.transition({ type: 'START' });
    publishLifecycle(this.runtime, this.ref, { kind: 'started' });
    const run = ++this.generation;
    // Recovers the jobs a dead process left unfinished: the database must answer.
    this.scheduler.start().then(
      () => {
        if (this.generation !== run || this.state !== 'starting') return;
        this.transition({ type: 'READY' });
        this.parent.childStarted(this);
      },
      (error: unknown) => {
        if (this.generation === run) this.exitAbnormally(coerceError(error));
      },
    );
  }

  async stop(): Promise<void> {
    if (!this.alive) {
      // Exited after a failure: let go of whoever still waits on the runner.
      await this.scheduler.stop(0);
      return;
    }
    this.transition({ type: 'STOP' });
    await this.scheduler.stop(this.graceMs);
    this.transition({ type: 'EXIT' });
    publishLifecycle(this.runtime, this.ref, { kind: 'exited', reason: 'shutdown' });
  }
}

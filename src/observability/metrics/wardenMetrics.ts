import { Registry } from 'prom-client';
import type { Clock } from '../../clock.js';
import type { EventBus } from '../../events/eventBus.js';
import type { JobCountRow } from '../../persistence/Store.js';
import type { TreeNode } from '../../supervisor/supervision.js';
import { ActorEventMetrics } from './actorEventMetrics.js';
import { registerBreakerStateMetric, type BreakerStateRow } from './breakerStateMetric.js';
import { JobEventMetrics } from './jobEventMetrics.js';
import type { MachineName } from './machineStates.js';
import { registerPoolMetrics, type PoolRow } from './poolMetrics.js';
import { countsByStatus, oncePerScrape, registerQueueMetrics } from './queueMetrics.js';
import { registerStateMetrics, type StateReading } from './stateMetrics.js';
import { StateTimes } from './stateTimes.js';

/** What the metrics read from a running Warden. */
export interface MetricsSources {
  readonly clock: Pick<Clock, 'now'>;
  readonly bus: EventBus;
  /** The kept job counts; rejects while the store is closed (the queue gauges are then empty). */
  jobCounts(): Promise<readonly JobCountRow[]>;
  breakers(): readonly BreakerStateRow[];
  pools(): readonly PoolRow[];
  /** The supervision tree now; undefined before it exists. */
  tree(): TreeNode | undefined;
}

function addTo(counts: Map<string, number>, state: string): void {
  counts.set(state, (counts.get(state) ?? 0) + 1);
}

/** Counts the tree's supervisors, workers and pool slots by state. */
function treeCounts(root: TreeNode): Record<'supervisor' | 'actor' | 'slot', Map<string, number>> {
  const counts = {
    supervisor: new Map<string, number>(),
    actor: new Map<string, number>(),
    slot: new Map<string, number>(),
  };
  const visit = (node: TreeNode): void => {
    if (node.kind === 'supervisor') addTo(counts.supervisor, node.state);
    else addTo(counts.actor, node.state);
    const slot = (node as { readonly slot?: unknown }).slot;
    if (typeof slot === 'string') addTo(counts.slot, slot);
    for (const child of node.children ?? []) visit(child);
  };
  visit(root);
  return counts;
}

/**
 * Warden's metrics in a prom-client registry of their own: counters and a histogram fed by the
 * committed events, and gauges collected at scrape time from the kept job counts, the breakers,
 * the pools and the supervision tree. Nothing is written by hand: prom-client renders the text.
 */
export class WardenMetrics {
  readonly registry = new Registry();
  /** The time-in-state tallies: the runtime reports every state change it makes to them. */
  readonly states: StateTimes;
  private readonly jobs: JobEventMetrics;
  private readonly actors: ActorEventMetrics;

  constructor(private readonly sources: MetricsSources) {
    this.states = new StateTimes(sources.clock);
    this.jobs = new JobEventMetrics(this.registry, sources.bus);
    this.actors = new ActorEventMetrics(this.registry, sources.bus);
    const counts = oncePerScrape(() =>
      sources.jobCounts().then(
        (rows) => rows,
        () => undefined,
      ),
    );
    registerQueueMetrics(this.registry, counts);
    registerBreakerStateMetric(this.registry, () => Promise.resolve(sources.breakers()));
    registerPoolMetrics(this.registry, () => sources.pools());
    registerStateMetrics(
      this.registry,
      oncePerScrape(() => Promise.resolve(this.readStates())),
    );
  }

  /**
   * Takes the stored jobs as the job machine's members when the store opens (their time in state
   * counts from now on); the runtime reports every change after that.
   */
  begin(rows: readonly JobCountRow[]): void {
    this.states.reconcile('job', countsByStatus(rows));
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Stops listening to events. */
  dispose(): void {
    this.jobs.dispose();
    this.actors.dispose();
  }

  /**
   * Brings the in-memory machines' counts to what is alive now, then reads every machine's figures:
   * members created or removed without a state change (a new node in `idle`, a removed one) enter
   * or leave now. Runs once per scrape.
   */
  private readStates(): StateReading {
    const root = this.sources.tree();
    if (root !== undefined) {
      const counts = treeCounts(root);
      for (const machine of ['supervisor', 'actor', 'slot'] as const satisfies MachineName[]) {
        this.states.reconcile(machine, counts[machine]);
      }
    }
    const breakers = new Map<string, number>();
    for (const row of this.sources.breakers()) addTo(breakers, row.state);
    this.states.reconcile('breaker', breakers);
    const figures = (machine: MachineName) => this.states.figures(machine);
    return {
      job: figures('job'),
      slot: figures('slot'),
      breaker: figures('breaker'),
      supervisor: figures('supervisor'),
      actor: figures('actor'),
    };
  }
}

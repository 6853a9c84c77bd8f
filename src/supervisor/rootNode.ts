import { InternalError } from '../errors.js';
import { resolveChildSpec, type OnExhausted, type ResolvedSupervisorSpec } from './childSpec.js';
import { jobsNodeId } from './jobsNode.js';
import type { IntensityOptions } from '../policies/restartIntensity.js';
import type { NodeParent, SupervisedNode, SupervisionRuntime } from './supervision.js';
import { SupervisorNode } from './supervisorActor.js';

/** The id of the root supervisor. */
export const rootId = 'root';

/** The id of the supervisor of every circuit breaker, the root's second child. */
export const breakersNodeId = 'breakers';

/** The id of the supervisor of every pool (one supervisor per pool, over its slots), the root's third child. */
export const poolsNodeId = 'pools';

/** Warden's own nodes: their ids are reserved, and they are never stopped or removed by hand. */
export const systemNodeIds: ReadonlySet<string> = new Set([
  rootId,
  jobsNodeId,
  breakersNodeId,
  poolsNodeId,
]);

/** The id prefix of Warden's breaker actors (`breaker:<name>`), reserved like the ids above. */
export const breakerIdPrefix = 'breaker:';

/** The id prefix of pool supervisors (`pool:<name>`; their slots are `pool:<name>/<n>`). */
export const poolIdPrefix = 'pool:';

/** True for the ids of Warden's own actors: reserved, and never stopped or removed by hand. */
export function isSystemId(id: string): boolean {
  return systemNodeIds.has(id) || id.startsWith(breakerIdPrefix) || id.startsWith(poolIdPrefix);
}

/**
 * The root's stop order: dependents before what they depend on. The user's trees go first, in
 * reverse start order; then the job runner, whose running jobs call breakers and pools during
 * their grace period; then the pools; then the breakers.
 */
export function rootStopOrder(children: readonly SupervisedNode[]): SupervisedNode[] {
  const last = [jobsNodeId, poolsNodeId, breakersNodeId];
  const user = children.filter((child) => !systemNodeIds.has(child.id)).reverse();
  const system = last.flatMap((id) => children.filter((child) => child.id === id));
  return [...user, ...system];
}

/** The spec of a one-for-one supervisor of Warden's own, its children added at run time. */
export function systemSupervisorSpec(
  id: string,
  intensity?: IntensityOptions,
  onExhausted?: OnExhausted,
): ResolvedSupervisorSpec {
  const spec = resolveChildSpec({
    kind: 'supervisor',
    id,
    strategy: 'one-for-one',
    ...intensity,
    ...(onExhausted === undefined ? {} : { onExhausted }),
    children: [],
  });
  if (spec.kind !== 'supervisor') {
    throw new InternalError(`the ${id} spec resolved to a ${spec.kind}, not a supervisor`);
  }
  return spec;
}

/** The root and Warden's own nodes under it, in start order: `jobs`, `breakers`, `pools`. */
export interface RootTree<Jobs extends SupervisedNode> {
  readonly root: SupervisorNode;
  readonly jobs: Jobs;
  readonly breakers: SupervisorNode;
  readonly pools: SupervisorNode;
}

/**
 * Builds the root supervisor (one-for-one, the given intensity) with its three children: the job
 * runner, then `breakers` and `pools` (one-for-one, children added at run time). The user's trees
 * follow them; each has a restart budget of its own at the root, and the root stops them first.
 */
export function createRootTree<Jobs extends SupervisedNode>(options: {
  readonly intensity: IntensityOptions;
  readonly runtime: SupervisionRuntime;
  readonly jobs: (root: NodeParent) => Jobs;
  readonly onFailure: (error: Error) => void;
}): RootTree<Jobs> {
  const { runtime } = options;
  const root = new SupervisorNode(
    systemSupervisorSpec(rootId, options.intensity),
    undefined,
    runtime,
    {
      onFailure: options.onFailure,
      stopOrder: rootStopOrder,
      ownBudget: (childId) => !systemNodeIds.has(childId),
    },
  );
  const jobs = options.jobs(root);
  const breakers = new SupervisorNode(systemSupervisorSpec(breakersNodeId), root, runtime);
  const pools = new SupervisorNode(systemSupervisorSpec(poolsNodeId), root, runtime);
  for (const node of [jobs, breakers, pools]) void root.addChild(node);
  return { root, jobs, breakers, pools };
}

import { jobSnapshot, type JobSnapshot } from '../machines/jobMachine.js';

const snapshots = new Map<string, JobSnapshot>();

/**
 * The job machine's snapshot of a claimed job (or of a stalled running one), shared: snapshots
 * are immutable, so runs of jobs alike start from one object rather than resolving their own.
 */
export function sharedSnapshot(
  status: 'claimed' | 'running',
  attempt: number,
  maxAttempts: number,
  stalls: number,
  maxStalls: number,
  hasFallback: boolean,
): JobSnapshot {
  const key = `${status}/${attempt}/${maxAttempts}/${stalls}/${maxStalls}/${hasFallback}`;
  let snapshot = snapshots.get(key);
  if (snapshot === undefined) {
    snapshot = jobSnapshot(status, { attempt, maxAttempts, stalls, maxStalls, hasFallback });
    if (snapshots.size < 1024) snapshots.set(key, snapshot);
  }
  return snapshot;
}

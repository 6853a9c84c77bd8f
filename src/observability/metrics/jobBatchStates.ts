import type { BatchStep, StepResult, StepValues } from '../../persistence/Store.js';
import type { StateObserver } from './stateObserver.js';

/**
 * Tells `states` every job status change a committed group commit made: inserts, status changes,
 * commands (cancel, replay), promotions of due jobs and claims. Refused steps and refused changes
 * changed nothing and are skipped.
 */
export function recordJobBatch(
  states: StateObserver,
  steps: readonly BatchStep[],
  results: readonly StepResult[],
): void {
  steps.forEach((step, index) => {
    const result = results[index];
    if (result === undefined || !result.ok) return;
    switch (step.kind) {
      case 'insert': {
        const rows = result.value as StepValues['insert'];
        rows.forEach((row, i) => {
          const job = step.jobs[i];
          if (row.created && job !== undefined) states.moved('job', undefined, job.status);
        });
        return;
      }
      case 'changes': {
        const versions = result.value as StepValues['changes'];
        step.changes.forEach((change, i) => {
          if (typeof versions[i] === 'number') states.moved('job', change.from, change.to);
        });
        return;
      }
      case 'command': {
        const { before, after } = result.value as StepValues['command'];
        states.moved('job', before.status, after.status);
        return;
      }
      case 'promote':
        for (const job of result.value as StepValues['promote']) {
          states.moved('job', job.from, 'queued');
        }
        return;
      case 'claim':
        for (let n = (result.value as StepValues['claim']).length; n > 0; n--) {
          states.moved('job', 'queued', 'claimed');
        }
        return;
      default:
        // Progress, checkpoints and fallback adoptions leave the status as it is.
        return;
    }
  });
}

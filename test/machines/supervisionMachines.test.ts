import { describe, expect, it } from 'vitest';
import { getShortestPaths } from 'xstate/graph';
import {
  actorMachine,
  actorStatusCell,
  type ActorMachineEvent,
} from '../../src/machines/actorMachine.js';
import {
  supervisorMachine,
  supervisorStatusCell,
  type SupervisorMachineEvent,
} from '../../src/machines/supervisorMachine.js';

const actorEvents: ActorMachineEvent[] = [
  'START',
  'READY',
  'STOP',
  'EXIT',
  'RESTART',
  'DEAD',
  'REVIVE',
].map((type) => ({ type }) as ActorMachineEvent);
const supervisorEvents: SupervisorMachineEvent[] = [
  'START',
  'STARTED',
  'STOP',
  'FAIL',
  'STOPPED',
  'DEAD',
  'REVIVE',
].map((type) => ({ type }) as SupervisorMachineEvent);

interface DescribedPath {
  readonly state: { readonly value: unknown };
  readonly steps: readonly { readonly event: { readonly type: string } }[];
}

function describePaths(paths: readonly DescribedPath[]): string[] {
  return paths
    .map((path) => {
      const events = path.steps.slice(1).map((step) => step.event.type);
      return `${String(path.state.value)}: ${events.join(' ')}`.trim();
    })
    .sort();
}

describe('actorMachine', () => {
  it('reaches every status of a supervised actor by its shortest path', () => {
    expect(describePaths(getShortestPaths(actorMachine, { events: actorEvents }))).toEqual([
      'dead: DEAD',
      'exited: START EXIT',
      'idle:',
      'restarting: START EXIT RESTART',
      'running: START READY',
      'starting: START',
      'stopping: START STOP',
    ]);
  });

  it('refuses an event its status does not accept, changing nothing', () => {
    const cell = actorStatusCell();
    expect(cell.send({ type: 'READY' })).toBe(false);
    expect(cell.status).toBe('idle');
    expect(cell.send({ type: 'START' })).toBe(true);
    expect(cell.send({ type: 'REVIVE' })).toBe(false);
    expect(cell.status).toBe('starting');
    cell.stop();
  });

  it('lets a dead actor come back only through REVIVE', () => {
    const cell = actorStatusCell();
    cell.send({ type: 'DEAD' });
    expect(cell.send({ type: 'START' })).toBe(false);
    expect(cell.send({ type: 'REVIVE' })).toBe(true);
    expect(cell.status).toBe('idle');
    cell.stop();
  });
});

describe('supervisorMachine', () => {
  it('reaches every status of a supervisor by its shortest path', () => {
    expect(
      describePaths(getShortestPaths(supervisorMachine, { events: supervisorEvents })),
    ).toEqual([
      'dead: DEAD',
      'failed: START FAIL STOPPED',
      'failing: START FAIL',
      'idle:',
      'running: START STARTED',
      'starting: START',
      'stopped: START STOP STOPPED',
      'stopping: START STOP',
    ]);
  });

  it('refuses to stop a supervisor that is already failing', () => {
    const cell = supervisorStatusCell();
    cell.send({ type: 'START' });
    cell.send({ type: 'FAIL' });
    expect(cell.send({ type: 'STOP' })).toBe(false);
    expect(cell.status).toBe('failing');
    cell.stop();
  });
});

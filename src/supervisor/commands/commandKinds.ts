import { InvalidOptionError } from '../../errors.js';
import type { CommandRecord, Job } from '../../persistence/Store.js';

/** Every kind of command another process may issue to the file's owner. */
export const commandKinds = [
  'job.replay',
  'job.cancel',
  'type.pause',
  'type.resume',
  'actor.restart',
  'actor.stop',
] as const;

/** A kind of command: what the owner does with its `target`. */
export type CommandKind = (typeof commandKinds)[number];

/** True for a kind of command the owner carries out. */
export function isCommandKind(kind: unknown): kind is CommandKind {
  return typeof kind === 'string' && (commandKinds as readonly string[]).includes(kind);
}

/** The owner's API that commands go through, so that the machines' rules apply to them. */
export interface CommandApi {
  retryJob(id: string): Promise<Job>;
  cancelJob(id: string): Promise<Job>;
  pauseJobType(type: string, by?: string): Promise<boolean>;
  resumeJobType(type: string, by?: string): Promise<boolean>;
  restartActor(id: string): Promise<void>;
  stopActor(id: string): Promise<void>;
}

/** What a job command answers: the job as the command left it. */
export interface JobCommandResult {
  readonly job: Pick<Job, 'id' | 'type' | 'status' | 'attempt' | 'maxAttempts'>;
}

/** What a pause or a resume answers: whether the type is paused now, and whether that changed. */
export interface TypeCommandResult {
  readonly type: string;
  readonly paused: boolean;
  readonly changed: boolean;
}

/** What an actor command answers. */
export interface ActorCommandResult {
  readonly actorId: string;
  readonly state: 'restarted' | 'stopped';
}

/** The JSON result of each kind of command. */
export type CommandResult = JobCommandResult | TypeCommandResult | ActorCommandResult;

const jobResult = (job: Job): JobCommandResult => ({
  job: {
    id: job.id,
    type: job.type,
    status: job.status,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
  },
});

/** Carries a command out through `api`; its typed error (a replay of a job not dead) rejects. */
export async function executeCommand(
  api: CommandApi,
  command: Pick<CommandRecord, 'kind' | 'target' | 'issuedBy'>,
): Promise<CommandResult> {
  const { kind, target, issuedBy } = command;
  if (!isCommandKind(kind)) {
    throw new InvalidOptionError('kind', `one of ${commandKinds.join(', ')}`, kind);
  }
  switch (kind) {
    case 'job.replay':
      return jobResult(await api.retryJob(target));
    case 'job.cancel':
      return jobResult(await api.cancelJob(target));
    case 'type.pause':
      return { type: target, paused: true, changed: await api.pauseJobType(target, issuedBy) };
    case 'type.resume':
      return { type: target, paused: false, changed: await api.resumeJobType(target, issuedBy) };
    case 'actor.restart':
      await api.restartActor(target);
      return { actorId: target, state: 'restarted' };
    case 'actor.stop':
      await api.stopActor(target);
      return { actorId: target, state: 'stopped' };
  }
}

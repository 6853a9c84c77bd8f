import { quote, WardenError } from './wardenError.js';

/** A supervised actor did not call `ready()` within its `startTimeoutMs`. */
export class StartTimeoutError extends WardenError {
  declare readonly code: 'START_TIMEOUT';
  constructor(
    readonly actorId: string,
    readonly startTimeoutMs: number,
  ) {
    super(
      'START_TIMEOUT',
      `actor ${quote(actorId)} did not call ready() within ${startTimeoutMs} ms`,
    );
  }
}

/** A supervised actor ran longer than its `maxRunMs`. */
export class MaxRunExceededError extends WardenError {
  declare readonly code: 'MAX_RUN_EXCEEDED';
  constructor(
    readonly actorId: string,
    readonly maxRunMs: number,
  ) {
    super(
      'MAX_RUN_EXCEEDED',
      `actor ${quote(actorId)} ran longer than its maxRunMs of ${maxRunMs} ms`,
    );
  }
}

/** A supervisor exceeded its restart intensity and gave up; its parent decides what follows. */
export class SupervisorEscalatedError extends WardenError {
  declare readonly code: 'ESCALATED';
  constructor(
    readonly supervisorId: string,
    readonly maxRestarts: number,
    readonly withinMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      'ESCALATED',
      `supervisor ${quote(supervisorId)} exceeded ${maxRestarts} restarts within ${withinMs} ms and stopped its children`,
      options,
    );
  }
}

/** No supervised actor has the given id. */
export class ActorNotFoundError extends WardenError {
  declare readonly code: 'ACTOR_NOT_FOUND';
  constructor(readonly actorId: string) {
    super('ACTOR_NOT_FOUND', `no supervised actor has id ${quote(actorId)}`);
  }
}

/** Two supervised actors were given the same id. */
export class DuplicateActorError extends WardenError {
  declare readonly code: 'DUPLICATE_ACTOR';
  constructor(readonly actorId: string) {
    super('DUPLICATE_ACTOR', `a supervised actor with id ${quote(actorId)} already exists`);
  }
}

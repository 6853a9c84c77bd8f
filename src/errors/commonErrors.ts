import { quote, WardenError } from './wardenError.js';

/** A status change that the machine does not allow. */
export class InvalidTransitionError extends WardenError {
  declare readonly code: 'INVALID_TRANSITION';
  constructor(
    readonly subject: string,
    readonly from: string,
    readonly attempted: string,
    detail?: string,
  ) {
    super(
      'INVALID_TRANSITION',
      `${subject} is \`${from}\`: cannot ${attempted}${detail === undefined ? '' : ` (${detail})`}`,
    );
  }
}

/** An option outside its documented range. */
export class InvalidOptionError extends WardenError {
  declare readonly code: 'INVALID_OPTION';
  constructor(
    readonly option: string,
    readonly expected: string,
    readonly value: unknown,
  ) {
    super('INVALID_OPTION', `Expected \`${option}\` to be ${expected}, got ${quote(value)}`);
  }
}

/** An API call that needs a started Warden, or one made after `stop()`. */
export class NotRunningError extends WardenError {
  declare readonly code: 'NOT_RUNNING';
  constructor(
    readonly operation: string,
    state: string,
  ) {
    super('NOT_RUNNING', `cannot ${operation}: Warden is ${state}`);
  }
}

/** The reason a signal is aborted when its job or actor is being stopped. */
export class ShutdownError extends WardenError {
  declare readonly code: 'SHUTDOWN';
  constructor(message = 'Warden is stopping and the grace period is over') {
    super('SHUTDOWN', message);
  }
}

/** An invariant of Warden's own did not hold: a bug in Warden, never a bad input. */
export class InternalError extends WardenError {
  declare readonly code: 'INTERNAL';
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERNAL', `${message} (a bug in Warden)`, options);
  }
}

import { quote, WardenError } from './wardenError.js';

/**
 * The file's owner did not finish a command within the issuer's `timeoutMs`. `withdrawn`: it had
 * not taken it, and the command was withdrawn (marked failed), so it will never be carried out;
 * otherwise the owner took it and will finish it (look it up by `commandId`).
 */
export class CommandTimeoutError extends WardenError {
  declare readonly code: 'COMMAND_TIMEOUT';
  constructor(
    readonly commandId: string,
    readonly kind: string,
    readonly target: string,
    readonly timeoutMs: number,
    readonly withdrawn: boolean,
    owner: string,
  ) {
    super(
      'COMMAND_TIMEOUT',
      withdrawn
        ? `${owner} did not answer command ${commandId} (${kind} ${quote(target)}) within ${timeoutMs} ms; the command was withdrawn and will not be carried out`
        : `${owner} took command ${commandId} (${kind} ${quote(target)}) but did not finish it within ${timeoutMs} ms; it will still be carried out`,
    );
  }
}

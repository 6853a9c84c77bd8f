import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** A logger that writes nothing: Warden is silent unless given a logger. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

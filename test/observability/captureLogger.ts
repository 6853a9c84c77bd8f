import { pino } from 'pino';

/** A pino logger writing to an array of parsed lines. */
export function capture(options: pino.LoggerOptions = {}): {
  logger: pino.Logger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug', ...options },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}

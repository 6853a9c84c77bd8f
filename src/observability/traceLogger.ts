import { symbols, type Logger } from 'pino';
import { currentTraceFields, type TraceFields } from './traceStorage.js';

type LogFormatter = (object: object) => object;

/** The `formatters.log` a pino logger applies to each line, if any. */
function logFormatter(logger: Logger): LogFormatter | undefined {
  const formatters = (logger as unknown as Record<symbol, { log?: LogFormatter } | undefined>)[
    symbols.formattersSym
  ];
  return formatters?.log;
}

/**
 * A child of a pino logger whose every line carries `trace_id` and `span_id` from `fields`
 * (by default the current trace context), unless the line sets them itself; the parent's own
 * `formatters.log` still applies. A logger that is not pino's (it has no formatters) comes back
 * as it is.
 */
export function traceLogger(
  logger: Logger,
  fields: () => TraceFields | undefined = currentTraceFields,
): Logger {
  if ((logger as unknown as Record<symbol, unknown>)[symbols.formattersSym] === undefined) {
    return logger;
  }
  const parent = logFormatter(logger);
  const log: LogFormatter = (object) => {
    const trace = 'trace_id' in object ? undefined : fields();
    const line = trace === undefined ? object : { ...trace, ...object };
    return parent === undefined ? line : parent(line);
  };
  return logger.child({}, { formatters: { log } });
}

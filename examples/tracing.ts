import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Registers an OpenTelemetry tracer provider whose spans go to `processor`, with the
 * AsyncLocalStorage context manager that carries the active span across awaits. Call it before
 * `warden.start()`. Returns what flushes the spans and unregisters both.
 */
export function registerTracing(processor: SpanProcessor): () => Promise<void> {
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  };
}

import parsePrometheusTextFormat, {
  type ParsedFamily,
  type ParsedSample,
} from 'parse-prometheus-text-format';
import { expect } from 'vitest';

/** Prometheus text parsed back by a parser of its own, by family name. */
export function parseMetrics(text: string): Map<string, ParsedFamily> {
  return new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
}

/** The family named `name`, which must be there. */
export function family(parsed: Map<string, ParsedFamily>, name: string): ParsedFamily {
  const found = parsed.get(name);
  expect(found, `metric ${name}`).toBeDefined();
  return found as ParsedFamily;
}

function matches(sample: ParsedSample, labels: Record<string, string>): boolean {
  return Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value);
}

/** The one sample of `name` whose labels include `labels`. */
export function sample(
  parsed: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): ParsedSample {
  const found = family(parsed, name).metrics.filter((s) => matches(s, labels));
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0] as ParsedSample;
}

/** The value of the one sample of `name` with `labels`, as a number. */
export function value(
  parsed: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  return Number(sample(parsed, name, labels).value);
}

/** Every sample of `name` as `label=value,... → value`, sorted, for whole-family comparisons. */
export function samples(parsed: Map<string, ParsedFamily>, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of family(parsed, name).metrics) {
    const key = Object.entries(s.labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    out[key] = Number(s.value);
  }
  return out;
}

/** One labelled histogram series: its cumulative bucket counts by bound (`le`), count and sum. */
export interface HistogramSeries {
  readonly buckets: Record<string, number>;
  readonly count: number;
  readonly sum: number;
}

/**
 * The series of histogram `name` whose labels include `labels`. The parser merges the series of
 * a labelled histogram into one (it keeps only unlabelled ones apart), so the family's `TYPE` line
 * is dropped first: its `_bucket`, `_sum` and `_count` samples then parse with their labels.
 */
export function histogram(
  text: string,
  name: string,
  labels: Record<string, string>,
): HistogramSeries {
  const untyped = parseMetrics(
    text
      .split('\n')
      .filter((line) => line !== `# TYPE ${name} histogram`)
      .join('\n'),
  );
  const buckets: Record<string, number> = {};
  for (const s of family(untyped, `${name}_bucket`).metrics) {
    const le = s.labels?.['le'];
    if (le !== undefined && matches(s, labels)) buckets[le] = Number(s.value);
  }
  return {
    buckets,
    count: value(untyped, `${name}_count`, labels),
    sum: value(untyped, `${name}_sum`, labels),
  };
}

/** The states of each built-in machine, written out by hand from src/machines/. */
export const expectedStates: Record<string, readonly string[]> = {
  job: [
    'new',
    'scheduled',
    'queued',
    'claimed',
    'running',
    'running.attempt',
    'running.fallback',
    'retrying',
    'succeeded',
    'cancelled',
    'dead',
  ],
  slot: ['creating', 'idle', 'validating', 'leased', 'retiring', 'destroying', 'destroyed'],
  breaker: ['restoring', 'closed', 'open', 'half-open', 'isolated'],
  supervisor: ['idle', 'starting', 'running', 'stopping', 'stopped', 'failing', 'failed', 'dead'],
  actor: ['idle', 'starting', 'running', 'stopping', 'exited', 'restarting', 'dead'],
};

import { Counter, Gauge, Histogram, collectDefaultMetrics, register } from 'prom-client';

/**
 * prm's Prometheus metrics live in prom-client's default `register` (other modules, e.g. alert counters, register
 * there too); `GET /metrics` on every service's HTTP port serves it. These helpers return the already-registered
 * metric when a name exists, so the all-in-one process (several modules) and tests can ask twice.
 */
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames });
}

/** See {@link counter}. */
export function gauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  collect?: (this: Gauge<L>) => void | Promise<void>,
): Gauge<L> {
  return (register.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge({ name, help, labelNames, collect });
}

/** See {@link counter}. Buckets in seconds. */
export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  return (
    (register.getSingleMetric(name) as Histogram<L> | undefined) ?? new Histogram({ name, help, labelNames, buckets })
  );
}

/** Starts prom-client's default process metrics (`process_*`, `nodejs_*`) once per process. */
export function ensureDefaultMetrics(): void {
  if (register.getSingleMetric('process_cpu_user_seconds_total')) return;
  collectDefaultMetrics();
}

/** `prm_http_requests_total{method,route,status}`: HTTP requests answered (route = matched pattern, bounded). */
export const httpRequestsTotal = counter('prm_http_requests_total', 'HTTP requests answered', [
  'method',
  'route',
  'status',
] as const);

/** `prm_http_request_duration_seconds{method,route,status}`: time to answer an HTTP request, seconds. */
export const httpRequestDuration = histogram(
  'prm_http_request_duration_seconds',
  'Time to answer an HTTP request, seconds',
  ['method', 'route', 'status'] as const,
  [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
);

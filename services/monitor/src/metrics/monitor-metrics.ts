import { gauge, histogram } from '@prm/observability';

/**
 * The monitor's Prometheus series (prom-client default register, served on `/metrics`). Labels are endpoint and
 * endpoint names, not ids: names are unique, human-readable and change only when an operator renames an endpoint
 * (the old series is then removed), so cardinality is bounded by the number of registered endpoints and streams.
 */
export const pollDuration = histogram(
  'prm_poll_duration_seconds',
  'Time of one endpoint poll (connect if needed, catalog discovery, table sizes when due), seconds',
  ['endpoint'] as const,
  [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
);

export const endpointReachable = gauge(
  'prm_endpoint_reachable',
  'Whether the last poll reached the endpoint (1) or not (0)',
  ['endpoint'] as const,
);

export const streamLagBytes = gauge(
  'prm_stream_lag_bytes',
  "Stream lag in bytes: publisher pg_current_wal_lsn() minus the slot's confirmed_flush_lsn (absent when unknown)",
  ['stream', 'source', 'target'] as const,
);

export const streamLagSeconds = gauge(
  'prm_stream_lag_seconds',
  'Stream lag in seconds: age of the oldest publisher WAL not yet confirmed by the subscriber (absent when unknown)',
  ['stream', 'source', 'target'] as const,
);

/** Last label sets per endpoint id / stream id, so a rename or removal drops the old series. */
const endpointNames = new Map<string, string>();
const streamLabels = new Map<string, { stream: string; source: string; target: string }>();

/** Records one poll of endpoint `id` named `name` that took `seconds`. */
export function recordPoll(id: string, name: string, seconds: number, reachable: boolean): void {
  const old = endpointNames.get(id);
  if (old !== undefined && old !== name) forgetEndpoint(id);
  endpointNames.set(id, name);
  pollDuration.observe({ endpoint: name }, seconds);
  endpointReachable.set({ endpoint: name }, reachable ? 1 : 0);
}

/** Removes the series of a deleted endpoint. */
export function forgetEndpoint(id: string): void {
  const name = endpointNames.get(id);
  if (name === undefined) return;
  endpointNames.delete(id);
  pollDuration.remove({ endpoint: name });
  endpointReachable.remove({ endpoint: name });
}

/** What {@link recordStreamLag} reads from a derived stream. */
export interface StreamLagSample {
  id: string;
  /** Subscription name on the target (`stream` label). */
  subscription: string;
  sourceName: string | null;
  targetName: string;
  lag: { bytes: number | null; seconds: number | null };
}

/** Sets (or, when unknown, removes) the lag series of one stream. */
export function recordStreamLag(s: StreamLagSample): void {
  const labels = { stream: s.subscription, source: s.sourceName ?? 'unknown', target: s.targetName };
  const old = streamLabels.get(s.id);
  if (old && (old.stream !== labels.stream || old.source !== labels.source || old.target !== labels.target)) {
    forgetStream(s.id);
  }
  streamLabels.set(s.id, labels);
  if (s.lag.bytes === null) streamLagBytes.remove(labels);
  else streamLagBytes.set(labels, s.lag.bytes);
  if (s.lag.seconds === null) streamLagSeconds.remove(labels);
  else streamLagSeconds.set(labels, s.lag.seconds);
}

/** Removes the series of a stream that is gone. */
export function forgetStream(id: string): void {
  const labels = streamLabels.get(id);
  if (!labels) return;
  streamLabels.delete(id);
  streamLagBytes.remove(labels);
  streamLagSeconds.remove(labels);
}

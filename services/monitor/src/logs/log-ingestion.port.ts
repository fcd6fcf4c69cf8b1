import { type EndpointStatus, type EndpointView } from '@prm/contracts';

/**
 * Reads an endpoint's server log after each poll and stores its replication errors (optional port of the poll
 * flow: the monitor works without it). Implemented by `LogIngestionService`.
 */
export interface LogIngestion {
  ingest(endpoint: EndpointView, status: EndpointStatus | null): Promise<unknown>;
}

/** Injection token of {@link LogIngestion}. */
export const MONITOR_LOG_INGESTION = Symbol('MONITOR_LOG_INGESTION');

import { type EndpointStatus, type EndpointView } from '@prm/contracts';

import { type LogReaderSettings } from './logs/log-reader.factory.js';
import { type ConnectionSettings } from './poll/endpoint-connection.manager.js';

/**
 * Ports the monitor needs from its host application (composition root), injected by token.
 *
 * - {@link MONITOR_STORE}: {@link MonitorStore}, endpoints and status snapshots (prm's metadata store;
 *   `PersistenceMonitorStore` adapts @prm/persistence's repositories).
 * - {@link MONITOR_EVENTS}: {@link MonitorEventBus}, fire-and-forget events for the console and cache invalidation
 *   (the Redis transport; adapt `ClientProxy.emit`, which returns an Observable).
 * - {@link MONITOR_CREDENTIALS}: `CredentialResolver` from @prm/pg (libs/aws `DefaultCredentialResolver`).
 * - {@link MONITOR_SETTINGS}: {@link MonitorSettings}.
 */
export const MONITOR_STORE = Symbol('MONITOR_STORE');
export const MONITOR_EVENTS = Symbol('MONITOR_EVENTS');
export const MONITOR_CREDENTIALS = Symbol('MONITOR_CREDENTIALS');
export const MONITOR_SETTINGS = Symbol('MONITOR_SETTINGS');

/** What the monitor reads and writes in prm's metadata store. */
export interface MonitorStore {
  /** Every endpoint to poll. */
  listEndpoints(): Promise<EndpointView[]>;
  /** One endpoint; null when it was deleted. */
  findEndpoint(id: string): Promise<EndpointView | null>;
  /** The endpoint's latest snapshot; null before its first poll. */
  findStatus(endpointId: string): Promise<EndpointStatus | null>;
  /** Stores the endpoint's latest snapshot (a snapshot of a deleted endpoint may be dropped). */
  saveStatus(status: EndpointStatus): Promise<void>;
}

/** Payload of `status.updated` (EventPattern.StatusUpdated): which endpoints have a new snapshot, and when. */
export interface StatusUpdatedEvent {
  endpointIds: string[];
  /** ISO time of the poll (`EndpointStatus.checkedAt`). */
  at: string;
}

/** Fire-and-forget event publisher. */
export interface MonitorEventBus {
  emit(pattern: string, payload: unknown): void | Promise<void>;
}

/** Monitor settings (the host validates env once: `PRM_POLL_INTERVAL_MS`, ...). */
export interface MonitorSettings {
  /** Poll tick interval, ms. Default 15000 (`PRM_POLL_INTERVAL_MS`). */
  pollIntervalMs: number;
  /** `poll-endpoint` jobs processed at once per monitor process. Default 32. */
  concurrency: number;
  /** Connection timeouts and backoff overrides (see `ConnectionSettings`). */
  connection?: Partial<ConnectionSettings>;
  /** Publisher table-size query at most this often per endpoint (or when a copy starts), ms. Default 60000. */
  tableSizeRefreshMs?: number;
  /** A copying table with no progress for this long is stalled, ms (`PRM_BACKFILL_STALL_MS`). Default 120000. */
  backfillStallMs?: number;
  /** EWMA weight of the newest copy-rate sample, 0..1. Default 0.3. */
  backfillRateAlpha?: number;
  /** Metric and WAL samples are kept this many days (`PRM_METRICS_RETENTION_DAYS`). Default 7. */
  metricsRetentionDays?: number;
  /** A counter rise or logged error keeps a stream `error` this long, ms. Default max(2 polls, 30 s). */
  errorHoldMs?: number;
  /** Server-log readers (replication errors): AWS endpoint override, read limits. */
  logs?: LogReaderSettings;
}

export const DEFAULT_MONITOR_SETTINGS: MonitorSettings = { pollIntervalMs: 15_000, concurrency: 32 };

/** Stream monitoring settings with defaults applied (see {@link MonitorSettings}). */
export interface StreamSettings {
  pollIntervalMs: number;
  tableSizeRefreshMs: number;
  backfillStallMs: number;
  backfillRateAlpha: number;
  metricsRetentionDays: number;
  errorHoldMs: number;
}

/** Applies the defaults to the optional stream settings. */
export function resolveStreamSettings(s: MonitorSettings): StreamSettings {
  return {
    pollIntervalMs: s.pollIntervalMs,
    tableSizeRefreshMs: s.tableSizeRefreshMs ?? 60_000,
    backfillStallMs: s.backfillStallMs ?? 120_000,
    backfillRateAlpha: s.backfillRateAlpha ?? 0.3,
    metricsRetentionDays: s.metricsRetentionDays ?? 7,
    errorHoldMs: s.errorHoldMs ?? Math.max(2 * s.pollIntervalMs, 30_000),
  };
}

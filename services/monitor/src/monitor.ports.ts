import { type EndpointStatus, type EndpointView } from '@prm/contracts';

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
}

export const DEFAULT_MONITOR_SETTINGS: MonitorSettings = { pollIntervalMs: 15_000, concurrency: 32 };

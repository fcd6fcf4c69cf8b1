import { performance } from 'node:perf_hooks';

import { type EndpointStatus, type EndpointView, type TableSizeInfo } from '@prm/contracts';
import { classifyPgError, type DiscoveryResult, runDiscovery, runTableSizes } from '@prm/pg';

import { type EndpointConnectionManager } from './endpoint-connection.manager.js';
import { recordPoll } from '../metrics/monitor-metrics.js';

/** Default interval of the publisher's table-size query, ms (monitoring.md §1.2: every 60–300 s). */
export const DEFAULT_TABLE_SIZE_REFRESH_MS = 60_000;

/**
 * Whether this poll should also run the table-size query: only on a publisher (it has publications, not a standby),
 * and when the last run is older than `refreshMs`, never happened, a walsender COPY TO started since the previous
 * poll (a new table sync), or the set of published tables changed.
 */
export function tableSizesDue(
  result: DiscoveryResult,
  previous: EndpointStatus | null,
  now: Date,
  refreshMs: number,
): boolean {
  if (result.inRecovery || result.publications.length === 0) return false;
  const at = previous?.tableSizesAt ? Date.parse(previous.tableSizesAt) : NaN;
  if (!previous?.tableSizes || !Number.isFinite(at) || now.getTime() - at >= refreshMs) return true;
  const copying = (c: { command: string }[] | undefined) => (c ?? []).some((x) => x.command === 'COPY TO');
  if (copying(result.copyProgress) && !copying(previous.copyProgress)) return true;
  const key = (pairs: string[]) => [...pairs].sort().join('\n');
  return (
    key(result.publications.flatMap((p) => p.tables.map((t) => `${p.name}\t${t}`))) !==
    key(previous.tableSizes.map((t) => `${t.publication}\t${t.table}`))
  );
}

/**
 * Polls one endpoint: one discovery statement on its persistent session (see `runDiscovery` in @prm/pg) and
 * the status snapshot built from it; on a publisher, at most every `tableSizeRefreshMs` (or when a copy starts)
 * the table-size statement too (`runTableSizes`, the only extra round trip), cached in the snapshot between runs.
 * Never throws for an endpoint problem: an endpoint that cannot be reached yields an `unreachable` status with
 * the classified cause.
 */
export class EndpointPollerService {
  /**
   * @param connections the monitor's sessions.
   * @param clock prm's clock (checkedAt, lastSeenAt, lastError.at, tableSizesAt).
   * @param tableSizeRefreshMs minimum interval of the table-size query per endpoint, ms.
   */
  constructor(
    private readonly connections: EndpointConnectionManager,
    private readonly clock: () => Date = () => new Date(),
    private readonly tableSizeRefreshMs: number = DEFAULT_TABLE_SIZE_REFRESH_MS,
  ) {}

  /**
   * Polls `endpoint` and returns its new status.
   * - Reached: `reachable`, `rttMs` of the discovery statement (ms, excluding connect), server facts, catalog
   *   lists, `lastError` null, `consecutiveFailures` 0, `lastSeenAt` = `checkedAt`.
   * - Not reached: `unreachable`, `rttMs` null, `lastError` {code, message, at} from the classified cause
   *   (`timeout`, `connection-refused`, `auth-failed`, ...; a poll skipped during reconnect backoff repeats the
   *   cause that started it), `consecutiveFailures` + 1, and from `previous`: `lastSeenAt`, server facts and the
   *   last known publications, subscriptions and slots (as of `lastSeenAt`; the topology needs them).
   * @param previous the endpoint's last status, null before its first poll; may be a pending read of prm's store,
   *   awaited only once the discovery statement answered (the two round trips overlap).
   * @throws only the error of a `previous` read that failed (prm's store, not the endpoint).
   */
  async poll(
    endpoint: EndpointView,
    previous: EndpointStatus | null | Promise<EndpointStatus | null>,
  ): Promise<EndpointStatus> {
    const started = performance.now();
    const read = Promise.resolve(previous);
    const status = await this.pollOnce(endpoint, read);
    recordPoll(endpoint.id, endpoint.name, (performance.now() - started) / 1000, status.reachability === 'reachable');
    return status;
  }

  private async pollOnce(endpoint: EndpointView, read: Promise<EndpointStatus | null>): Promise<EndpointStatus> {
    const now = this.clock();
    const checkedAt = now.toISOString();
    // Settled once: a failed store read fails the poll as prm's own error, never as an endpoint failure.
    const previousRead: Promise<{ value: EndpointStatus | null } | { error: unknown }> = read.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    let polled;
    try {
      polled = await this.connections.run(endpoint, async (conn) => {
        const started = performance.now();
        const result = await runDiscovery(conn, conn.serverVersionNum);
        const rttMs = Math.round((performance.now() - started) * 100) / 100;
        const previous = await previousRead;
        let sizes: TableSizeInfo[] | null = null;
        if ('value' in previous && tableSizesDue(result, previous.value, now, this.tableSizeRefreshMs)) {
          sizes = await runTableSizes(conn);
        }
        return { result, rttMs, sizes, previous };
      });
    } catch (err) {
      const previous = await previousRead;
      if ('error' in previous) throw previous.error;
      return this.unreachable(endpoint, previous.value, err, checkedAt);
    }
    const { result, rttMs, sizes, previous } = polled;
    if ('error' in previous) throw previous.error;
    return {
      endpointId: endpoint.id,
      reachability: 'reachable',
      rttMs,
      serverVersion: result.serverVersion,
      serverVersionNum: result.serverVersionNum,
      walLevel: result.walLevel,
      serverTime: result.serverTime,
      walLsn: result.walLsn,
      lastError: null,
      lastSeenAt: checkedAt,
      checkedAt,
      consecutiveFailures: 0,
      publications: result.publications,
      subscriptions: result.subscriptions,
      slots: result.slots,
      copyProgress: result.copyProgress,
      maxSyncWorkers: result.maxSyncWorkers,
      tableSizes: sizes ?? (result.publications.length > 0 ? (previous.value?.tableSizes ?? null) : null),
      tableSizesAt: sizes ? checkedAt : result.publications.length > 0 ? (previous.value?.tableSizesAt ?? null) : null,
    };
  }

  /** The status of an endpoint not reached: the classified cause, and the last known facts from `previous`. */
  private unreachable(
    endpoint: EndpointView,
    previous: EndpointStatus | null,
    err: unknown,
    checkedAt: string,
  ): EndpointStatus {
    const cause = classifyPgError(err, { host: endpoint.host, port: endpoint.port, dbname: endpoint.dbname });
    return {
      endpointId: endpoint.id,
      reachability: 'unreachable',
      rttMs: null,
      serverVersion: previous?.serverVersion ?? null,
      serverVersionNum: previous?.serverVersionNum ?? null,
      walLevel: previous?.walLevel ?? null,
      serverTime: previous?.serverTime ?? null,
      walLsn: previous?.walLsn ?? null,
      lastError: { code: cause.code, message: cause.message, at: checkedAt },
      lastSeenAt: previous?.lastSeenAt ?? null,
      checkedAt,
      consecutiveFailures: (previous?.consecutiveFailures ?? 0) + 1,
      publications: previous?.publications ?? [],
      subscriptions: previous?.subscriptions ?? [],
      slots: previous?.slots ?? [],
      copyProgress: [],
      maxSyncWorkers: previous?.maxSyncWorkers ?? null,
      tableSizes: previous?.tableSizes ?? null,
      tableSizesAt: previous?.tableSizesAt ?? null,
    };
  }
}

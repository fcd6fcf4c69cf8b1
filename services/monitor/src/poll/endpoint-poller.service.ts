import { performance } from 'node:perf_hooks';

import { type EndpointStatus, type EndpointView } from '@prm/contracts';
import { classifyPgError, runDiscovery } from '@prm/pg';

import { type EndpointConnectionManager } from './endpoint-connection.manager.js';

/**
 * Polls one endpoint: one discovery statement on its persistent session (see `runDiscovery` in @prm/pg) and
 * the status snapshot built from it. Never throws for an endpoint problem: an endpoint that cannot be reached
 * yields an `unreachable` status with the classified cause.
 */
export class EndpointPollerService {
  /**
   * @param connections the monitor's sessions.
   * @param clock prm's clock (checkedAt, lastSeenAt, lastError.at).
   */
  constructor(
    private readonly connections: EndpointConnectionManager,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Polls `endpoint` and returns its new status.
   * - Reached: `reachable`, `rttMs` of the discovery statement (ms, excluding connect), server facts, catalog
   *   lists, `lastError` null, `consecutiveFailures` 0, `lastSeenAt` = `checkedAt`.
   * - Not reached: `unreachable`, `rttMs` null, `lastError` {code, message, at} from the classified cause
   *   (`timeout`, `connection-refused`, `auth-failed`, ...; a poll skipped during reconnect backoff repeats the
   *   cause that started it), `consecutiveFailures` + 1, and from `previous`: `lastSeenAt`, server facts and the
   *   last known publications, subscriptions and slots (as of `lastSeenAt`; the topology needs them).
   * @param previous the endpoint's last status, null before its first poll.
   */
  async poll(endpoint: EndpointView, previous: EndpointStatus | null): Promise<EndpointStatus> {
    const checkedAt = this.clock().toISOString();
    try {
      const { result, rttMs } = await this.connections.run(endpoint, async (conn) => {
        const started = performance.now();
        const r = await runDiscovery(conn, conn.serverVersionNum);
        return { result: r, rttMs: Math.round((performance.now() - started) * 100) / 100 };
      });
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
      };
    } catch (err) {
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
      };
    }
  }
}

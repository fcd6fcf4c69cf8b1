import { performance } from 'node:perf_hooks';

import type { EndpointCheckResult } from '@prm/contracts';

import { classifyPgError } from './classify.js';
import {
  destroyClient,
  openClient,
  withDeadline,
  type CredentialResolver,
  type EndpointConnectionSpec,
} from './connect.js';

/** Options of {@link checkEndpoint}; durations in ms. */
export interface CheckEndpointOptions {
  /** Default `prm-check`. */
  applicationName?: string;
  /** Deadline for the login; default 5000. */
  connectTimeoutMs?: number;
  /** Deadline for each of the two queries; default 5000. */
  queryTimeoutMs?: number;
  ca?: string;
}

/**
 * One statement reads everything the check needs. Role facts come from `pg_roles`; `pg_has_role(..., 'USAGE')`
 * follows inherited privileges (what the server checks for pg_monitor / pg_read_all_stats), `MEMBER` is used for
 * the provider replication roles, looked up by name in `pg_roles` so the statement works where they do not exist.
 */
export const ENDPOINT_CHECK_SQL = `
SELECT current_setting('server_version') AS server_version,
       current_setting('server_version_num')::int AS server_version_num,
       current_setting('wal_level') AS wal_level,
       r.rolsuper
         OR EXISTS (SELECT 1 FROM pg_roles g
                     WHERE g.rolname IN ('pg_monitor', 'pg_read_all_stats')
                       AND pg_has_role(r.oid, g.oid, 'USAGE')) AS can_monitor,
       r.rolsuper OR r.rolreplication
         OR EXISTS (SELECT 1 FROM pg_roles g
                     WHERE g.rolname IN ('rds_replication', 'rds_superuser', 'cloudsqlsuperuser')
                       AND pg_has_role(r.oid, g.oid, 'MEMBER')) AS can_replicate
  FROM pg_roles r
 WHERE r.rolname = current_user`;

interface CheckRow {
  server_version: string;
  server_version_num: number;
  wal_level: string;
  can_monitor: boolean;
  can_replicate: boolean;
}

/**
 * The live check run when an endpoint is saved: connects, times a `SELECT 1` (RTT in ms), then reads
 * `server_version`, `server_version_num`, `wal_level` and whether the login role can monitor (superuser,
 * pg_monitor or pg_read_all_stats) and replicate (superuser, REPLICATION, rds_replication, rds_superuser or
 * cloudsqlsuperuser) in one statement ({@link ENDPOINT_CHECK_SQL}). Always closes the client.
 * Never throws for connection, credential or query failures: they come back as `{ ok: false, error }` with the
 * classified cause.
 */
export async function checkEndpoint(
  spec: EndpointConnectionSpec,
  resolver: CredentialResolver,
  opts: CheckEndpointOptions = {},
): Promise<EndpointCheckResult> {
  const result: EndpointCheckResult = {
    ok: false,
    rttMs: null,
    serverVersion: null,
    serverVersionNum: null,
    walLevel: null,
    canMonitor: null,
    canReplicate: null,
    error: null,
  };
  const queryTimeoutMs = opts.queryTimeoutMs ?? 5000;
  let client;
  try {
    client = await openClient(spec, resolver, {
      applicationName: opts.applicationName ?? 'prm-check',
      connectTimeoutMs: opts.connectTimeoutMs,
      statementTimeoutMs: queryTimeoutMs,
      ca: opts.ca,
    });
    const t0 = performance.now();
    await withDeadline(client.query('SELECT 1'), queryTimeoutMs, 'SELECT 1');
    result.rttMs = Math.round((performance.now() - t0) * 100) / 100;
    const { rows } = await withDeadline(client.query<CheckRow>(ENDPOINT_CHECK_SQL), queryTimeoutMs, 'endpoint check');
    const row = rows[0];
    result.serverVersion = row.server_version;
    result.serverVersionNum = row.server_version_num;
    result.walLevel = row.wal_level;
    result.canMonitor = row.can_monitor;
    result.canReplicate = row.can_replicate;
    result.ok = true;
    await client.end();
  } catch (err) {
    result.error = classifyPgError(err, { host: spec.host, port: spec.port, dbname: spec.dbname });
    if (client) destroyClient(client);
  }
  return result;
}

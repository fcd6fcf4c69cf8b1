/**
 * The monitor's ONE catalog statement per endpoint per poll (shared/research/monitoring.md §0.1, §1.1, §1.2
 * merged): server facts, publications with their tables, the current database's subscriptions with their apply
 * worker and PG15+ error counters, and every replication slot with its lag and retained WAL.
 *
 * The text is static and parameter-free per PostgreSQL major version (14..18); {@link discoveryStatement}
 * picks it by `server_version_num`. It returns one row with one `json` column `d`.
 *
 * Issue 3 additions (stream monitoring, still the same single statement):
 * - subscriber: per subscription its options, its `pg_subscription_rel` rows (table, `srsubstate`, `srsublsn`) and
 *   its running table synchronization workers; the database's `pg_stat_progress_copy` COPY FROM rows and
 *   `max_sync_workers_per_subscription`;
 * - publisher: per slot the walsender's `write_lag`/`flush_lag`/`replay_lag` (seconds) and state, joined on
 *   `active_pid` (monitoring.md §1.2); the database's `pg_stat_progress_copy` COPY TO rows.
 * Table names are always `format('%I.%I', nspname, relname)` (not `regclass::text`, which drops a schema on the
 * search_path), so publisher and subscriber names compare equal.
 *
 * Version deltas used (monitoring.md §1.5):
 * - PG15+: `pg_stat_subscription_stats` (apply/sync error counters); NULL before.
 * - PG16+: parallel apply workers also have `relid IS NULL`; the leader (apply worker) is `leader_pid IS NULL`.
 * - PG17+: `pg_stat_subscription.worker_type = 'apply'` names the apply worker.
 * - Options: `subtwophasestate`, `subdisableonerr` 15+; `suborigin` 16+ (and `substream` becomes a char);
 *   `subfailover` 17+.
 *
 * `pg_subscription.subconninfo` is revoked from non-superusers and a column reference fails the whole
 * statement at executor start, even inside a false CASE branch (verified on PG15). So the conninfo is read
 * through `query_to_xml()` (dynamic SQL evaluated only when `has_column_privilege` says the role may), hex
 * encoded so no XML escaping applies, and decoded back in the same statement. The raw conninfo is stripped of
 * passwords by `runDiscovery` before it leaves libs/pg.
 */

/** Majors with a statement of their own. Older servers are refused; newer ones use the newest text. */
export const DISCOVERY_MAJORS = [14, 15, 16, 17, 18] as const;
export type DiscoveryMajor = (typeof DISCOVERY_MAJORS)[number];

/** Thrown for servers older than PostgreSQL 14 (no `pg_stat_progress_copy`, no tablesync state `f`). */
export class UnsupportedServerVersionError extends Error {
  constructor(readonly serverVersionNum: number) {
    super(`PostgreSQL server_version_num ${serverVersionNum} is not supported by prm (14 or newer required)`);
    this.name = 'UnsupportedServerVersionError';
  }
}

/** Maps `server_version_num` (e.g. 170002) to the major whose statement applies. */
export function discoveryMajor(serverVersionNum: number): DiscoveryMajor {
  if (!Number.isInteger(serverVersionNum) || serverVersionNum < 140000) {
    throw new UnsupportedServerVersionError(serverVersionNum);
  }
  const major = Math.floor(serverVersionNum / 10000);
  const newest = DISCOVERY_MAJORS[DISCOVERY_MAJORS.length - 1];
  return (major > newest ? newest : major) as DiscoveryMajor;
}

function buildStatement(major: DiscoveryMajor): string {
  // Apply worker row of pg_stat_subscription (tablesync workers have relid set; PG16+ parallel apply
  // workers have leader_pid set; PG17 names them). Filter in the ON clause so a subscription without a
  // running worker still yields its row with pid NULL.
  const applyWorker =
    major >= 17
      ? `w.subid = s.oid AND w.worker_type = 'apply'`
      : major >= 16
        ? 'w.subid = s.oid AND w.relid IS NULL AND w.leader_pid IS NULL'
        : 'w.subid = s.oid AND w.relid IS NULL';
  const statsJoin = major >= 15 ? '\n     LEFT JOIN pg_catalog.pg_stat_subscription_stats st ON st.subid = s.oid' : '';
  const applyErr = major >= 15 ? 'st.apply_error_count' : 'NULL::bigint';
  const syncErr = major >= 15 ? 'st.sync_error_count' : 'NULL::bigint';
  const options = [
    `'slot_name', s.subslotname`,
    `'synchronous_commit', s.subsynccommit`,
    `'streaming', s.substream`,
    `'binary', s.subbinary`,
    ...(major >= 15 ? [`'two_phase', s.subtwophasestate`, `'disable_on_error', s.subdisableonerr`] : []),
    ...(major >= 16 ? [`'origin', s.suborigin`] : []),
    ...(major >= 17 ? [`'failover', s.subfailover`] : []),
  ].join(', ');
  const syncWorker = major >= 17 ? `sw.worker_type = 'table synchronization'` : 'sw.relid IS NOT NULL';

  return `WITH w AS (
  SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,
         CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL ELSE pg_catalog.pg_current_wal_lsn() END AS lsn
)
SELECT json_build_object(
 'now', now(),
 'server_version_num', current_setting('server_version_num')::int,
 'server_version', current_setting('server_version'),
 'wal_level', current_setting('wal_level'),
 'database', current_database(),
 'in_recovery', (SELECT in_recovery FROM w),
 'wal_lsn', (SELECT lsn FROM w),
 'publications', (SELECT coalesce(json_agg(json_build_object(
     'name', p.pubname, 'all_tables', p.puballtables,
     'insert', p.pubinsert, 'update', p.pubupdate, 'delete', p.pubdelete, 'truncate', p.pubtruncate,
     'tables', (SELECT coalesce(json_agg(format('%I.%I', pt.schemaname, pt.tablename)
                                         ORDER BY pt.schemaname, pt.tablename), '[]'::json)
                FROM pg_catalog.pg_publication_tables pt WHERE pt.pubname = p.pubname)
   ) ORDER BY p.pubname), '[]'::json)
   FROM pg_catalog.pg_publication p),
 'subscriptions', (SELECT coalesce(json_agg(json_build_object(
     'oid', s.oid, 'name', s.subname, 'enabled', s.subenabled,
     'publications', s.subpublications, 'slot_name', s.subslotname,
     'conninfo', CASE WHEN has_column_privilege('pg_catalog.pg_subscription', 'subconninfo', 'SELECT')
       THEN convert_from(decode(substring(query_to_xml(format(
              'SELECT encode(convert_to(subconninfo, %L), %L) AS c FROM pg_catalog.pg_subscription WHERE oid = %s',
              'UTF8', 'hex', s.oid), false, true, '')::text FROM '<c>([0-9a-f]*)</c>'), 'hex'), 'UTF8') END,
     'pid', w.pid, 'received_lsn', w.received_lsn, 'latest_end_lsn', w.latest_end_lsn,
     'last_msg_receipt_time', w.last_msg_receipt_time, 'latest_end_time', w.latest_end_time,
     'apply_error_count', ${applyErr}, 'sync_error_count', ${syncErr},
     'options', json_build_object(${options}),
     'tables', (SELECT coalesce(json_agg(json_build_object(
         'table', format('%I.%I', n.nspname, c.relname), 'state', sr.srsubstate, 'lsn', sr.srsublsn)
         ORDER BY n.nspname, c.relname), '[]'::json)
       FROM pg_catalog.pg_subscription_rel sr
         JOIN pg_catalog.pg_class c ON c.oid = sr.srrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE sr.srsubid = s.oid),
     'sync_workers', (SELECT coalesce(json_agg(json_build_object(
         'pid', sw.pid, 'table', format('%I.%I', n.nspname, c.relname)) ORDER BY sw.pid), '[]'::json)
       FROM pg_catalog.pg_stat_subscription sw
         JOIN pg_catalog.pg_class c ON c.oid = sw.relid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE sw.subid = s.oid AND ${syncWorker})
   ) ORDER BY s.subname), '[]'::json)
   FROM pg_catalog.pg_subscription s
     LEFT JOIN pg_catalog.pg_stat_subscription w ON ${applyWorker}${statsJoin}
   WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())),
 'slots', (SELECT coalesce(json_agg(json_build_object(
     'name', r.slot_name, 'plugin', r.plugin, 'slot_type', r.slot_type, 'database', r.database,
     'active', r.active, 'active_pid', r.active_pid, 'wal_status', r.wal_status,
     'restart_lsn', r.restart_lsn, 'confirmed_flush_lsn', r.confirmed_flush_lsn, 'safe_wal_size', r.safe_wal_size,
     'retained_bytes', pg_catalog.pg_wal_lsn_diff((SELECT lsn FROM w), r.restart_lsn),
     'lag_bytes', pg_catalog.pg_wal_lsn_diff((SELECT lsn FROM w), r.confirmed_flush_lsn),
     'write_lag', extract(epoch FROM ws.write_lag), 'flush_lag', extract(epoch FROM ws.flush_lag),
     'replay_lag', extract(epoch FROM ws.replay_lag), 'walsender_state', ws.state
   ) ORDER BY r.slot_name), '[]'::json)
   FROM pg_catalog.pg_replication_slots r
     LEFT JOIN pg_catalog.pg_stat_replication ws ON ws.pid = r.active_pid),
 'copy', (SELECT coalesce(json_agg(json_build_object(
     'command', pc.command, 'pid', pc.pid,
     'table', CASE WHEN c.oid IS NOT NULL THEN format('%I.%I', n.nspname, c.relname) END,
     'tuples', pc.tuples_processed, 'bytes', pc.bytes_processed) ORDER BY pc.pid), '[]'::json)
   FROM pg_catalog.pg_stat_progress_copy pc
     LEFT JOIN pg_catalog.pg_class c ON c.oid = pc.relid
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE pc.datname = current_database()
     AND (pc.command = 'COPY TO' OR (pc.command = 'COPY FROM' AND pc.type = 'CALLBACK'))),
 'max_sync_workers', current_setting('max_sync_workers_per_subscription')::int
) AS d`;
}

const STATEMENTS: ReadonlyMap<DiscoveryMajor, string> = new Map(DISCOVERY_MAJORS.map((m) => [m, buildStatement(m)]));

/**
 * Name of the discovery statement prepared on a monitor session, per major (`prm_discovery_17`). Prepared once per
 * session, each poll skips parse and plan: on PG15/17, 1.3–2.2 ms of server CPU of a 1.5–2.5 ms statement.
 * @throws UnsupportedServerVersionError below PostgreSQL 14.
 */
export function discoveryStatementName(serverVersionNum: number): string {
  return `prm_discovery_${discoveryMajor(serverVersionNum)}`;
}

/**
 * The discovery statement for a server.
 * @param serverVersionNum `server_version_num`, e.g. 150018.
 * @returns static, parameter-free SQL returning one row with a `json` column `d`.
 * @throws UnsupportedServerVersionError below PostgreSQL 14.
 */
export function discoveryStatement(serverVersionNum: number): string {
  return STATEMENTS.get(discoveryMajor(serverVersionNum))!;
}

/**
 * The publisher's table-size statement (monitoring.md §1.2 "size query"), run at most once per
 * `PRM_TABLE_SIZE_REFRESH_MS` per publisher endpoint (or when a copy starts): per published table
 * (`pg_publication_tables`, one row per publication and table) its heap bytes (`pg_relation_size`, main fork) and
 * a row estimate `reltuples / relpages × current pages` (null when never analyzed, `reltuples = -1`, or for a
 * partitioned parent). Static and parameter-free; one row, one `json` column `d` (an array).
 */
export const TABLE_SIZE_STATEMENT = `SELECT coalesce(json_agg(json_build_object(
  'publication', p.pubname, 'table', format('%I.%I', p.schemaname, p.tablename),
  'heap_bytes', pg_catalog.pg_relation_size(c.oid),
  'est_rows', CASE WHEN c.reltuples >= 0 AND c.relpages > 0 AND NOT c.relhassubclass
    THEN (c.reltuples / c.relpages * (pg_catalog.pg_relation_size(c.oid)
          / current_setting('block_size')::int))::bigint END
 ) ORDER BY p.pubname, p.schemaname, p.tablename), '[]'::json) AS d
FROM pg_catalog.pg_publication_tables p
  JOIN pg_catalog.pg_namespace n ON n.nspname = p.schemaname
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename`;

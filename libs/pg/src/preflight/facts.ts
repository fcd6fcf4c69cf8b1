/**
 * Read-only fact gathering for the stream preflight: each function runs its statements inside
 * `BEGIN TRANSACTION READ ONLY ... ROLLBACK`, so the server itself refuses any write, and creates nothing (no temp
 * objects, no throw-away publication). Catalogs: pg_settings/current_setting, pg_replication_slots,
 * pg_stat_replication, pg_stat_subscription, pg_publication(_rel), pg_subscription, pg_class, pg_attribute,
 * pg_index, pg_roles.
 */
import { ENDPOINT_CHECK_SQL } from '../check.js';

/** Anything with pg's `query` (a `pg.Client`). */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
  ): Promise<{ rows: R[] }>;
}

/** One column as both sides are compared. */
export interface ColumnFact {
  name: string;
  /** `format_type(atttypid, atttypmod)`, e.g. `character varying(20)`. */
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  /** Generated columns are not replicated (PG < 18) and must not be written on the target. */
  generated: boolean;
}

/** A table as found on one side; `null` fields when it does not exist there. */
export interface TableFact {
  /** The name as requested (e.g. `public.orders`). */
  requested: string;
  /** `format('%I.%I', schema, table)` on that side (quoted where needed); null when the table does not exist. */
  qualified: string | null;
  schema: string | null;
  name: string | null;
  relkind: string | null;
  hasPrimaryKey: boolean;
  replicaIdentity: 'default' | 'nothing' | 'full' | 'index' | null;
  /** An index marked `REPLICA IDENTITY USING INDEX` exists. */
  hasReplicaIdentityIndex: boolean;
  columns: ColumnFact[];
  /** pg_total_relation_size, bytes (source only). */
  sizeBytes: number | null;
  estimatedRows: number | null;
  /** Target only, when asked: whether the table has at least one row. */
  hasRows: boolean | null;
  /** Replication login only: SELECT privilege on the table. */
  canSelect: boolean | null;
}

/** What the source (publisher) says, read with the source endpoint's login. */
export interface SourceFacts {
  serverVersionNum: number;
  walLevel: string;
  maxReplicationSlots: number;
  usedReplicationSlots: number;
  maxWalSenders: number;
  usedWalSenders: number;
  /** `rds.logical_replication` (RDS) / `cloudsql.logical_decoding` (Cloud SQL); null where the GUC does not exist. */
  rdsLogicalReplication: string | null;
  cloudsqlLogicalDecoding: string | null;
  slotExists: boolean;
  publicationExists: boolean;
  /** Tables in the existing publication (regclass text), or [] when it does not exist / is FOR ALL TABLES. */
  publicationTables: string[];
  publicationAllTables: boolean;
  tables: TableFact[];
}

/** What the replication credential can do on the source. */
export interface ReplicationFacts {
  user: string;
  canReplicate: boolean;
  /** Requested name → SELECT privilege (null when the table does not exist). */
  canSelect: Record<string, boolean | null>;
}

/** What the target (subscriber) says. */
export interface TargetFacts {
  serverVersionNum: number;
  maxLogicalReplicationWorkers: number;
  maxWorkerProcesses: number;
  /** Running logical replication workers (pg_stat_subscription rows with a pid). */
  usedLogicalReplicationWorkers: number;
  subscriptionExists: boolean;
  tables: TableFact[];
}

async function readOnly<T>(client: Queryable, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN TRANSACTION READ ONLY');
  try {
    return await fn();
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

const TABLE_SQL = `
WITH req AS (SELECT r AS requested, to_regclass(r) AS oid FROM unnest($1::text[]) AS r)
SELECT req.requested, CASE WHEN c.oid IS NOT NULL THEN format('%I.%I', n.nspname, c.relname) END AS qualified, n.nspname AS schema, c.relname AS name,
       c.relkind::text AS relkind, c.relreplident::text AS relreplident,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident) AS has_ri_index,
       CASE WHEN $2::boolean AND c.oid IS NOT NULL THEN pg_total_relation_size(c.oid) END AS size_bytes,
       c.reltuples::float8 AS reltuples,
       COALESCE((SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                     'notNull', a.attnotnull, 'hasDefault', a.atthasdef, 'generated', a.attgenerated <> '')
                     ORDER BY a.attnum)
                   FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns
  FROM req LEFT JOIN pg_class c ON c.oid = req.oid LEFT JOIN pg_namespace n ON n.oid = c.relnamespace`;

interface TableRow extends Record<string, unknown> {
  requested: string;
  qualified: string | null;
  schema: string | null;
  name: string | null;
  relkind: string | null;
  relreplident: string | null;
  has_pk: boolean;
  has_ri_index: boolean;
  size_bytes: string | null;
  reltuples: number | null;
  columns: ColumnFact[];
}

const IDENT: Record<string, TableFact['replicaIdentity']> = { d: 'default', n: 'nothing', f: 'full', i: 'index' };

async function readTables(client: Queryable, names: string[], withSizes: boolean): Promise<TableFact[]> {
  if (names.length === 0) return [];
  const { rows } = await client.query<TableRow>(TABLE_SQL, [names, withSizes]);
  return rows.map((r) => ({
    requested: r.requested,
    qualified: r.qualified,
    schema: r.schema,
    name: r.name,
    relkind: r.relkind,
    hasPrimaryKey: r.has_pk === true,
    replicaIdentity: r.relreplident ? (IDENT[r.relreplident] ?? null) : null,
    hasReplicaIdentityIndex: r.has_ri_index === true,
    columns: r.qualified ? r.columns : [],
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
    estimatedRows: r.reltuples === null ? null : Number(r.reltuples),
    hasRows: null,
    canSelect: null,
  }));
}

/** Ordinary and partitioned tables of the database outside system schemas, as quoted `schema.table`. */
export async function listUserTables(client: Queryable): Promise<string[]> {
  const { rows } = await client.query<{ t: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY 1`,
  );
  return rows.map((r) => r.t);
}

/**
 * Source facts for the preflight. `tables` null = every user table ({@link listUserTables}).
 * @param names publication and slot names to look for.
 */
export async function gatherSourceFacts(
  client: Queryable,
  tables: string[] | null,
  names: { publication: string; slot: string },
): Promise<SourceFacts> {
  return readOnly(client, async () => {
    const { rows } = await client.query<Record<string, unknown>>(
      `SELECT current_setting('server_version_num')::int AS v, current_setting('wal_level') AS wal_level,
              current_setting('max_replication_slots')::int AS max_slots,
              (SELECT count(*)::int FROM pg_replication_slots) AS used_slots,
              current_setting('max_wal_senders')::int AS max_senders,
              (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'walsender') AS used_senders,
              current_setting('rds.logical_replication', true) AS rds_lr,
              current_setting('cloudsql.logical_decoding', true) AS cloudsql_ld,
              EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1) AS slot_exists,
              (SELECT puballtables FROM pg_publication WHERE pubname = $2) AS pub_all,
              EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $2) AS pub_exists,
              ARRAY(SELECT format('%I.%I', schemaname, tablename) FROM pg_publication_tables
                      WHERE pubname = $2 ORDER BY 1) AS pub_tables`,
      [names.slot, names.publication],
    );
    const r = rows[0];
    const list = tables ?? (await listUserTables(client));
    return {
      serverVersionNum: Number(r.v),
      walLevel: String(r.wal_level),
      maxReplicationSlots: Number(r.max_slots),
      usedReplicationSlots: Number(r.used_slots),
      maxWalSenders: Number(r.max_senders),
      usedWalSenders: Number(r.used_senders),
      rdsLogicalReplication: (r.rds_lr as string | null) || null,
      cloudsqlLogicalDecoding: (r.cloudsql_ld as string | null) || null,
      slotExists: r.slot_exists === true,
      publicationExists: r.pub_exists === true,
      publicationAllTables: r.pub_all === true,
      publicationTables: (r.pub_tables as string[]) ?? [],
      tables: await readTables(client, list, true),
    };
  });
}

/** What the replication login may do: REPLICATION (or a provider role) and SELECT on each table. */
export async function gatherReplicationFacts(client: Queryable, tables: string[]): Promise<ReplicationFacts> {
  return readOnly(client, async () => {
    const { rows } = await client.query<{ can_replicate: boolean; user: string }>(
      `SELECT q.can_replicate, current_user AS user FROM (${ENDPOINT_CHECK_SQL}) q`,
    );
    const canSelect: Record<string, boolean | null> = {};
    if (tables.length > 0) {
      const priv = await client.query<{ requested: string; ok: boolean | null }>(
        `SELECT r AS requested, CASE WHEN to_regclass(r) IS NULL THEN NULL
                ELSE has_table_privilege(to_regclass(r), 'SELECT') END AS ok
           FROM unnest($1::text[]) AS r`,
        [tables],
      );
      for (const p of priv.rows) canSelect[p.requested] = p.ok;
    }
    return { user: rows[0].user, canReplicate: rows[0].can_replicate === true, canSelect };
  });
}

/**
 * Target facts. `tables` are the source's `regclass::text` names (looked up by the same name on the target).
 * With `checkRows` each existing table is probed with `SELECT EXISTS (SELECT 1 FROM t)` (reads at most one row).
 */
export async function gatherTargetFacts(
  client: Queryable,
  tables: string[],
  subscription: string,
  checkRows: boolean,
): Promise<TargetFacts> {
  return readOnly(client, async () => {
    const { rows } = await client.query<Record<string, unknown>>(
      `SELECT current_setting('server_version_num')::int AS v,
              current_setting('max_logical_replication_workers')::int AS max_lrw,
              current_setting('max_worker_processes')::int AS max_wp,
              (SELECT count(pid)::int FROM pg_stat_subscription) AS used_lrw,
              EXISTS (SELECT 1 FROM pg_subscription WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database
                        WHERE datname = current_database())) AS sub_exists`,
      [subscription],
    );
    const r = rows[0];
    const facts = await readTables(client, tables, false);
    if (checkRows) {
      for (const t of facts) {
        if (!t.qualified) continue;
        // regclass::text is already quoted where needed; the name comes from this server's catalog.
        // A savepoint keeps the read-only transaction usable when the probe is refused (no SELECT privilege).
        await client.query('SAVEPOINT prm_probe');
        try {
          const probe = await client.query<{ has: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${t.qualified}) AS has`);
          t.hasRows = probe.rows[0].has;
          await client.query('RELEASE SAVEPOINT prm_probe');
        } catch {
          await client.query('ROLLBACK TO SAVEPOINT prm_probe');
        }
      }
    }
    return {
      serverVersionNum: Number(r.v),
      maxLogicalReplicationWorkers: Number(r.max_lrw),
      maxWorkerProcesses: Number(r.max_wp),
      usedLogicalReplicationWorkers: Number(r.used_lrw),
      subscriptionExists: r.sub_exists === true,
      tables: facts,
    };
  });
}

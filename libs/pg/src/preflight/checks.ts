/**
 * Preflight checks of a new stream, one pure function per check over the facts read by `facts.ts`. Each returns a
 * {@link PreflightCheck} with pass/warn/fail and, when not passing, the fix. Remedies follow the PostgreSQL docs
 * ("Logical Replication": Configuration Settings, Restrictions, Security) and the providers' docs (RDS
 * `rds.logical_replication`, Cloud SQL `cloudsql.logical_decoding`).
 */
import type { Cloud, PgCause, PreflightCheck } from '@prm/contracts';
import { supportedSubscriptionOptions, type SubscriptionOptions } from '../ddl/subscription.ddl.js';
import type { ReplicationFacts, SourceFacts, TableFact, TargetFacts } from './facts.js';

const pass = (c: Omit<PreflightCheck, 'outcome'>): PreflightCheck => ({ ...c, outcome: 'pass' });
const warn = (c: Omit<PreflightCheck, 'outcome'>): PreflightCheck => ({ ...c, outcome: 'warn' });
const fail = (c: Omit<PreflightCheck, 'outcome'>): PreflightCheck => ({ ...c, outcome: 'fail' });
const major = (v: number): number => Math.floor(v / 10000);

/** Said once, plainly, on every checklist. */
export const NOT_REPLICATED_NOTE =
  'Logical replication copies table rows only: sequences and DDL (CREATE/ALTER/DROP) are not replicated. ' +
  'Apply schema changes to the target first (prm Migrations), and set sequences on the target before a switchover.';

/** Reachability and login of one end, with the classified cause. */
export function checkReachable(
  id: string,
  side: 'source' | 'target',
  title: string,
  cause: PgCause | null,
): PreflightCheck {
  if (!cause) return pass({ id, side, title, detail: 'connected and logged in' });
  return fail({ id, side, title, detail: cause.message, fix: cause.remedy, code: cause.sqlstate ?? cause.code });
}

/** PostgreSQL 10+ on both ends; the chosen subscription options exist on the target's version. */
export function checkVersions(src: SourceFacts, tgt: TargetFacts, o: SubscriptionOptions): PreflightCheck {
  const base = { id: 'versions', side: 'both' as const, title: 'Server versions and subscription options' };
  if (src.serverVersionNum < 100000 || tgt.serverVersionNum < 100000) {
    return fail({ ...base, detail: 'logical replication needs PostgreSQL 10 or later on both ends', fix: 'Upgrade' });
  }
  const s = supportedSubscriptionOptions(tgt.serverVersionNum);
  const missing: string[] = [];
  if (o.binary && !s.binary) missing.push('binary (PG14+)');
  if (o.streaming === 'on' && !s.streaming) missing.push('streaming (PG14+)');
  if (o.streaming === 'parallel' && !s.streamingParallel) missing.push('streaming = parallel (PG16+)');
  if (o.disableOnError && !s.disableOnError) missing.push('disable_on_error (PG15+)');
  if (o.origin === 'none' && !s.origin) missing.push('origin = none (PG16+)');
  const detail = `source PostgreSQL ${major(src.serverVersionNum)}, target PostgreSQL ${major(tgt.serverVersionNum)}`;
  if (missing.length > 0) {
    return fail({
      ...base,
      detail: `${detail}; the target does not have ${missing.join(', ')}`,
      fix: 'Turn those options off for this target, or upgrade the target',
    });
  }
  return pass({ ...base, detail });
}

/** Source `wal_level = logical`, with the provider's way to set it. */
export function checkWalLevel(src: SourceFacts, cloud: Cloud): PreflightCheck {
  const base = { id: 'source-wal-level', side: 'source' as const, title: 'wal_level = logical on the source' };
  if (src.walLevel === 'logical') return pass({ ...base, detail: 'wal_level is logical' });
  const fix =
    cloud === 'aws' || src.rdsLogicalReplication !== null
      ? 'Set rds.logical_replication = 1 in the DB parameter group (Aurora: the cluster parameter group), then reboot ' +
        'the instance: the parameter is static.'
      : cloud === 'gcp' || src.cloudsqlLogicalDecoding !== null
        ? 'Set the database flag cloudsql.logical_decoding = on on the Cloud SQL instance (it restarts).'
        : "Run ALTER SYSTEM SET wal_level = 'logical' as a superuser, then restart PostgreSQL.";
  return fail({ ...base, detail: `wal_level is ${src.walLevel}`, fix });
}

/** A free replication slot (and room for table-sync slots) and a free WAL sender on the source. */
export function checkSourceCapacity(src: SourceFacts): PreflightCheck[] {
  const freeSlots = src.maxReplicationSlots - src.usedReplicationSlots;
  const slots = { id: 'source-replication-slots', side: 'source' as const, title: 'Free replication slots' };
  const slotDetail = `${src.usedReplicationSlots} of max_replication_slots = ${src.maxReplicationSlots} in use`;
  const slotFix =
    'Raise max_replication_slots on the source (restart needed; RDS: parameter group) or drop unused slots ' +
    '(SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active, after checking them)';
  const senders = { id: 'source-wal-senders', side: 'source' as const, title: 'Free WAL senders' };
  const freeSenders = src.maxWalSenders - src.usedWalSenders;
  const senderDetail = `${src.usedWalSenders} of max_wal_senders = ${src.maxWalSenders} in use`;
  const senderFix = 'Raise max_wal_senders on the source (restart needed; RDS: parameter group)';
  return [
    freeSlots < 1
      ? fail({ ...slots, detail: slotDetail, fix: slotFix })
      : freeSlots < 2
        ? warn({
            ...slots,
            detail: `${slotDetail}; the initial copy also takes a temporary slot per table`,
            fix: slotFix,
          })
        : pass({ ...slots, detail: slotDetail }),
    freeSenders < 1
      ? fail({ ...senders, detail: senderDetail, fix: senderFix })
      : freeSenders < 2
        ? warn({ ...senders, detail: `${senderDetail}; table sync workers need one each`, fix: senderFix })
        : pass({ ...senders, detail: senderDetail }),
  ];
}

/** A free logical replication worker on the target. */
export function checkTargetWorkers(tgt: TargetFacts): PreflightCheck {
  const base = { id: 'target-workers', side: 'target' as const, title: 'Free logical replication workers' };
  const free = tgt.maxLogicalReplicationWorkers - tgt.usedLogicalReplicationWorkers;
  const detail = `${tgt.usedLogicalReplicationWorkers} of max_logical_replication_workers = ${tgt.maxLogicalReplicationWorkers} running`;
  const fix = 'Raise max_logical_replication_workers (and max_worker_processes) on the target; both need a restart';
  if (free < 1) return fail({ ...base, detail, fix });
  if (free < 2) return warn({ ...base, detail: `${detail}; table sync workers need more`, fix });
  return pass({ ...base, detail });
}

/** The replication login has REPLICATION (or rds_replication) and SELECT on every table. */
export function checkReplicationRole(rep: ReplicationFacts, tables: TableFact[]): PreflightCheck[] {
  const role = { id: 'replication-role', side: 'source' as const, title: 'Replication login can replicate' };
  const roleCheck = rep.canReplicate
    ? pass({ ...role, detail: `role ${rep.user} has REPLICATION (or a provider replication role)` })
    : fail({
        ...role,
        detail: `role ${rep.user} has neither REPLICATION nor rds_replication`,
        fix: `ALTER ROLE ${rep.user} REPLICATION; on RDS: GRANT rds_replication TO ${rep.user}`,
      });
  const denied = tables.filter((t) => t.qualified && rep.canSelect[t.requested] === false).map((t) => t.qualified);
  const read = { id: 'replication-select', side: 'source' as const, title: 'Replication login can read the tables' };
  const readCheck =
    denied.length === 0
      ? pass({ ...read, detail: 'SELECT granted on every table' })
      : fail({
          ...read,
          detail: `no SELECT on ${denied.join(', ')}`,
          fix: `GRANT SELECT ON ${denied.join(', ')} TO ${rep.user}`,
        });
  return [roleCheck, readCheck];
}

/** Every requested table exists on the source. */
export function checkSourceTables(src: SourceFacts): PreflightCheck {
  const base = { id: 'source-tables', side: 'source' as const, title: 'Tables exist on the source' };
  const missing = src.tables.filter((t) => !t.qualified).map((t) => t.requested);
  if (src.tables.length === 0)
    return fail({ ...base, detail: 'no table to publish', fix: 'Choose at least one table' });
  const notTables = src.tables.filter((t) => t.relkind && !['r', 'p'].includes(t.relkind)).map((t) => t.qualified);
  if (missing.length > 0) {
    return fail({ ...base, detail: `not found: ${missing.join(', ')}`, fix: 'Check the names (schema.table)' });
  }
  if (notTables.length > 0) {
    return fail({ ...base, detail: `not tables: ${notTables.join(', ')}`, fix: 'Only tables can be published' });
  }
  return pass({ ...base, detail: `${src.tables.length} table(s)` });
}

/** Whether UPDATE/DELETE on the table can be published (PK, replica identity index, or FULL). */
export function isReplicable(t: TableFact): boolean {
  return (
    t.replicaIdentity === 'full' ||
    (t.replicaIdentity === 'index' && t.hasReplicaIdentityIndex) ||
    (t.replicaIdentity === 'default' && t.hasPrimaryKey)
  );
}

/** Tables without a primary key or replica identity: UPDATE/DELETE would fail on the publisher once published. */
export function checkReplicaIdentity(src: SourceFacts): PreflightCheck {
  const base = { id: 'replica-identity', side: 'source' as const, title: 'Primary key or replica identity' };
  const bad = src.tables.filter((t) => t.qualified && !isReplicable(t)).map((t) => t.qualified as string);
  if (bad.length === 0) return pass({ ...base, detail: 'every table has a primary key or replica identity' });
  return warn({
    ...base,
    detail: `no primary key or replica identity: ${bad.join(', ')}; UPDATE and DELETE on them will fail on the source once published`,
    fix:
      `Add a primary key, or ALTER TABLE ${bad[0]} REPLICA IDENTITY USING INDEX <unique index on NOT NULL columns>, ` +
      `or ALTER TABLE ${bad[0]} REPLICA IDENTITY FULL (slower apply)`,
  });
}

/** Every table exists on the target under the same name. */
export function checkTargetTables(tgt: TargetFacts): PreflightCheck {
  const base = { id: 'target-tables', side: 'target' as const, title: 'Tables exist on the target' };
  const missing = tgt.tables.filter((t) => !t.qualified).map((t) => t.requested);
  if (missing.length === 0) return pass({ ...base, detail: `${tgt.tables.length} table(s) found` });
  return fail({
    ...base,
    detail: `missing on the target: ${missing.join(', ')}`,
    fix: 'Create them on the target first (same schema and columns; e.g. pg_dump --schema-only -t <table> | psql)',
  });
}

/**
 * Columns compatible: every replicated source column exists on the target with the same type, and no extra
 * target column is NOT NULL without a default (inserts from the apply worker would fail).
 */
export function checkColumns(src: SourceFacts, tgt: TargetFacts): PreflightCheck {
  const base = { id: 'target-columns', side: 'both' as const, title: 'Columns match' };
  const problems: string[] = [];
  for (const s of src.tables) {
    const t = tgt.tables.find((x) => x.requested === (s.qualified ?? s.requested));
    if (!s.qualified || !t?.qualified) continue;
    const cols = new Map(t.columns.map((c) => [c.name, c]));
    for (const c of s.columns.filter((x) => !x.generated)) {
      const tc = cols.get(c.name);
      if (!tc) problems.push(`${s.qualified}.${c.name} missing on the target`);
      else if (tc.type !== c.type)
        problems.push(`${s.qualified}.${c.name} is ${c.type} on the source, ${tc.type} on the target`);
      else if (tc.generated) problems.push(`${s.qualified}.${c.name} is generated on the target`);
    }
    const names = new Set(s.columns.map((c) => c.name));
    for (const tc of t.columns) {
      if (!names.has(tc.name) && tc.notNull && !tc.hasDefault && !tc.generated) {
        problems.push(`${t.qualified}.${tc.name} exists only on the target and is NOT NULL without a default`);
      }
    }
  }
  if (problems.length === 0) return pass({ ...base, detail: 'every source column exists on the target with its type' });
  return fail({
    ...base,
    detail: problems.join('; '),
    fix: 'Align the target table definitions with the source (ALTER TABLE ... ADD COLUMN / ALTER COLUMN ... TYPE)',
  });
}

/** Publication, subscription and slot names free (or the publication reused on purpose and covering the tables). */
export function checkNames(
  src: SourceFacts,
  tgt: TargetFacts,
  names: { publication: string; subscription: string; slot: string },
  useExistingPublication: boolean,
): PreflightCheck[] {
  const pub = { id: 'publication-name', side: 'source' as const, title: `Publication ${names.publication}` };
  let pubCheck: PreflightCheck;
  if (useExistingPublication) {
    const uncovered = src.publicationAllTables
      ? []
      : src.tables.filter((t) => t.qualified && !src.publicationTables.includes(t.qualified)).map((t) => t.qualified);
    pubCheck = !src.publicationExists
      ? fail({
          ...pub,
          detail: 'does not exist on the source',
          fix: 'Pick an existing publication or let prm create one',
        })
      : uncovered.length > 0
        ? fail({
            ...pub,
            detail: `exists but does not publish ${uncovered.join(', ')}`,
            fix: `ALTER PUBLICATION ${names.publication} ADD TABLE ..., or choose only its tables`,
          })
        : pass({ ...pub, detail: 'exists and is reused (prm will never drop it)' });
  } else {
    pubCheck = src.publicationExists
      ? fail({
          ...pub,
          detail: 'already exists on the source',
          fix: 'Choose another publication name, or reuse the existing publication',
        })
      : pass({ ...pub, detail: 'name is free; prm will create it' });
  }
  const sub = { id: 'subscription-name', side: 'target' as const, title: `Subscription ${names.subscription}` };
  const slot = { id: 'slot-name', side: 'source' as const, title: `Replication slot ${names.slot}` };
  return [
    pubCheck,
    tgt.subscriptionExists
      ? fail({ ...sub, detail: 'already exists on the target', fix: 'Choose another subscription name' })
      : pass({ ...sub, detail: 'name is free' }),
    src.slotExists
      ? fail({
          ...slot,
          detail: 'a replication slot of that name already exists on the source',
          fix: 'Choose another subscription name, or drop the slot if it is orphaned (pg_drop_replication_slot)',
        })
      : pass({ ...slot, detail: 'name is free' }),
  ];
}

/** With copy_data, target tables should be empty (the copy would duplicate rows or fail on a key). */
export function checkTargetEmpty(tgt: TargetFacts, copyData: boolean): PreflightCheck {
  const base = { id: 'target-empty', side: 'target' as const, title: 'Target tables empty before the copy' };
  if (!copyData) return pass({ ...base, detail: 'copy_data is off: existing target rows are kept as they are' });
  const full = tgt.tables.filter((t) => t.hasRows === true).map((t) => t.qualified as string);
  const unknown = tgt.tables.filter((t) => t.qualified && t.hasRows === null).map((t) => t.qualified as string);
  if (full.length > 0) {
    return warn({
      ...base,
      detail: `already hold rows: ${full.join(', ')}; the initial copy adds every source row again (duplicate key errors stop the sync)`,
      fix: 'TRUNCATE them on the target first, or turn copy_data off if they already match the source',
    });
  }
  if (unknown.length > 0) {
    return warn({ ...base, detail: `could not read ${unknown.join(', ')}`, fix: 'Grant SELECT to prm on the target' });
  }
  return pass({ ...base, detail: 'every target table is empty' });
}

/** RDS Proxy endpoints do not carry replication connections. */
export function checkNotRdsProxy(host: string): PreflightCheck {
  const base = { id: 'source-not-proxy', side: 'source' as const, title: 'Source host is not an RDS Proxy' };
  if (/\.proxy-[a-z0-9]+\.[a-z0-9-]+\.rds\.amazonaws\.com\.?$/i.test(host)) {
    return fail({
      ...base,
      detail: `${host} is an RDS Proxy endpoint; proxies do not carry replication connections`,
      fix: 'Use the DB instance (or Aurora cluster writer) endpoint for the source',
    });
  }
  return pass({ ...base, detail: 'direct database endpoint' });
}

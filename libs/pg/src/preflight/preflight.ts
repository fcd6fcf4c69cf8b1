import type { Cloud, PgCause, PreflightCheck } from '@prm/contracts';
import { classifyPgError } from '../classify.js';
import type { SubscriptionOptions } from '../ddl/subscription.ddl.js';
import {
  NOT_REPLICATED_NOTE,
  checkColumns,
  checkNames,
  checkNotRdsProxy,
  checkReachable,
  checkReplicaIdentity,
  checkReplicationRole,
  checkSourceCapacity,
  checkSourceTables,
  checkTargetEmpty,
  checkTargetTables,
  checkTargetWorkers,
  checkVersions,
  checkWalLevel,
} from './checks.js';
import {
  gatherReplicationFacts,
  gatherSourceFacts,
  gatherTargetFacts,
  type Queryable,
  type SourceFacts,
  type TableFact,
  type TargetFacts,
} from './facts.js';

/** One end as the preflight gets it: a connected client, or the cause it could not be opened. */
export interface PreflightSession {
  client: Queryable | null;
  cause: PgCause | null;
}

/** Input of {@link runPreflight}. */
export interface PreflightInput {
  /** Source endpoint login (settings, slots, publications, tables). */
  source: PreflightSession & { host: string; cloud: Cloud };
  /** The replication credential's login to the source (what the subscription will use). */
  replication: PreflightSession;
  target: PreflightSession;
  /** Requested tables (`schema.table`), or null for every user table of the source. */
  tables: string[] | null;
  names: { publication: string; subscription: string; slot: string };
  useExistingPublication: boolean;
  options: SubscriptionOptions;
}

/** Result of {@link runPreflight}. */
export interface PreflightResult {
  ok: boolean;
  checks: PreflightCheck[];
  notes: string[];
  sourceVersionNum: number | null;
  targetVersionNum: number | null;
  /** Source tables resolved (regclass text), for the publication; [] when the source was not readable. */
  sourceTables: TableFact[];
}

function failedRead(id: string, side: 'source' | 'target', title: string, err: unknown): PreflightCheck {
  const c = classifyPgError(err);
  return { id, side, title, outcome: 'fail', detail: c.message, fix: c.remedy, code: c.sqlstate ?? c.code };
}

/**
 * Runs every preflight check of a new stream. Read-only: each side is read inside `BEGIN TRANSACTION READ ONLY`
 * and nothing is created (see facts.ts). Never throws for database errors: they become failed checks.
 * The caller opens and closes the sessions.
 */
export async function runPreflight(i: PreflightInput): Promise<PreflightResult> {
  const checks: PreflightCheck[] = [
    checkReachable('source-reachable', 'source', 'Source reachable with its login', i.source.cause),
    checkReachable('replication-login', 'source', 'Replication credential logs in to the source', i.replication.cause),
    checkReachable('target-reachable', 'target', 'Target reachable with its login', i.target.cause),
    checkNotRdsProxy(i.source.host),
  ];
  let src: SourceFacts | null = null;
  let tgt: TargetFacts | null = null;
  if (i.source.client) {
    try {
      src = await gatherSourceFacts(i.source.client, i.tables, {
        publication: i.names.publication,
        slot: i.names.slot,
      });
    } catch (err) {
      checks.push(failedRead('source-read', 'source', 'Read the source catalogs', err));
    }
  }
  const resolved = src ? src.tables.filter((t) => t.qualified).map((t) => t.qualified as string) : [];
  if (i.target.client && src) {
    try {
      tgt = await gatherTargetFacts(i.target.client, resolved, i.names.subscription, i.options.copyData !== false);
    } catch (err) {
      checks.push(failedRead('target-read', 'target', 'Read the target catalogs', err));
    }
  }
  if (src) {
    checks.push(checkWalLevel(src, i.source.cloud), ...checkSourceCapacity(src), checkSourceTables(src));
    checks.push(checkReplicaIdentity(src));
    if (i.replication.client) {
      try {
        const rep = await gatherReplicationFacts(i.replication.client, resolved);
        const byQualified = {
          ...rep,
          canSelect: Object.fromEntries(resolved.map((q) => [q, rep.canSelect[q] ?? null])),
        };
        checks.push(
          ...checkReplicationRole(
            byQualified,
            src.tables.map((t) => ({ ...t, requested: t.qualified ?? t.requested })),
          ),
        );
      } catch (err) {
        checks.push(failedRead('replication-role', 'source', 'Replication login can replicate', err));
      }
    }
  }
  if (src && tgt) {
    checks.push(
      checkVersions(src, tgt, i.options),
      checkTargetWorkers(tgt),
      checkTargetTables(tgt),
      checkColumns(src, tgt),
      ...checkNames(src, tgt, i.names, i.useExistingPublication),
      checkTargetEmpty(tgt, i.options.copyData !== false),
    );
  }
  return {
    ok: checks.every((c) => c.outcome !== 'fail'),
    checks,
    notes: [NOT_REPLICATED_NOTE],
    sourceVersionNum: src?.serverVersionNum ?? null,
    targetVersionNum: tgt?.serverVersionNum ?? null,
    sourceTables: src?.tables ?? [],
  };
}

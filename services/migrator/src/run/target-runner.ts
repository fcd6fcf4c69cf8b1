import type { MigrationStepError } from '@prm/contracts';
import {
  type AnalyzedStatement,
  analyzeSqlScript,
  isCausedError,
  lineOfPosition,
  quoteLiteral,
  withDeadline,
} from '@prm/pg';
import type pg from 'pg';

/** DDL of the history table on every target (schema `prm`); created in the migration's own transaction. */
export const HISTORY_DDL = `CREATE SCHEMA IF NOT EXISTS prm;
CREATE TABLE IF NOT EXISTS prm.migration_history (
  checksum text PRIMARY KEY,
  name text NOT NULL,
  run_id uuid NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  applied_by text NOT NULL
)`;

/** One subscription on a target as `pg_subscription` + `pg_stat_subscription` show it. */
export interface SubscriptionHealth {
  name: string;
  enabled: boolean;
  /** Apply worker pid (`pg_stat_subscription` row with `relid IS NULL`), null when not running. */
  applyPid: number | null;
}

/** The subscriptions of the connected database and whether each one's apply worker runs. */
export const SUBSCRIPTION_HEALTH_SQL = `SELECT s.subname AS name, s.subenabled AS enabled,
  (SELECT max(w.pid) FROM pg_stat_subscription w WHERE w.subid = s.oid AND w.relid IS NULL) AS "applyPid"
FROM pg_subscription s
WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY s.subname`;

/** What {@link runOnTarget} needs. Timeouts in ms (0 = none). */
export interface TargetRunInput {
  runId: string;
  name: string;
  sql: string;
  checksum: string;
  actor: string;
  dryRun: boolean;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  /** Called after each statement that succeeded, with the count so far. */
  onStatement?: (statementsRun: number) => void | Promise<void>;
}

/** The outcome on one target. */
export interface TargetRunResult {
  status: 'succeeded' | 'failed' | 'already-applied';
  statementsRun: number;
  statementsTotal: number;
  nonTransactional: boolean;
  /** `server_version_num` of the target. */
  serverVersionNum: number | null;
  /** The history row found (already-applied), as `{ applied_at, run_id, applied_by, name }`. */
  applied: { applied_at: string; run_id: string; applied_by: string; name: string } | null;
  /** Subscriptions on the target before the script ran (for the stream check after it). */
  subscriptionsBefore: SubscriptionHealth[];
  error: MigrationStepError | null;
  note: string | null;
}

/** Maps a driver or connect error to the step's error fields; `statement` locates the script line. */
export function toStepError(err: unknown, statement: AnalyzedStatement | null): MigrationStepError {
  if (isCausedError(err)) {
    return {
      sqlstate: err.pgCause.sqlstate ?? null,
      message: `${err.pgCause.message} (${err.pgCause.remedy})`,
      detail: null,
      hint: null,
      position: null,
      line: statement?.startLine ?? null,
      statement: statement?.text ?? null,
      statementIndex: statement?.index ?? null,
    };
  }
  const e = err as { code?: unknown; message?: unknown; detail?: unknown; hint?: unknown; position?: unknown };
  const position = typeof e.position === 'string' || typeof e.position === 'number' ? Number(e.position) : null;
  return {
    sqlstate: typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : null,
    message: typeof e.message === 'string' ? e.message : String(err),
    detail: typeof e.detail === 'string' ? e.detail : null,
    hint: typeof e.hint === 'string' ? e.hint : null,
    position: position !== null && Number.isFinite(position) ? position : null,
    line: statement ? lineOfPosition(statement, position) : null,
    statement: statement?.text ?? null,
    statementIndex: statement?.index ?? null,
  };
}

/**
 * Runs one migration script on one target over `client` (already connected; the caller ends it).
 *
 * Transactional script (the normal case), in order:
 * 1. One round trip: `BEGIN`, `SET LOCAL lock_timeout / statement_timeout` (and `client_connection_check_interval`
 *    = 1 s on PG14+, so a killed migrator's transaction is aborted by the server), create `prm.migration_history`
 *    if missing, read `server_version_num`, the history row with this checksum, and the target's subscriptions.
 * 2. Checksum present → `ROLLBACK`, result `already-applied` (nothing runs twice).
 * 3. Each statement as its own simple query; the first error → `ROLLBACK`, result `failed` with SQLSTATE, message,
 *    detail, hint, position and the script line.
 * 4. `INSERT INTO prm.migration_history` and `COMMIT` (a dry run: `ROLLBACK` instead, nothing recorded).
 *
 * A script with a statement that cannot run in a transaction block (see `analyzeSqlScript`, judged with the
 * target's version) runs statement by statement in autocommit (session-level timeouts), then records history;
 * a failure leaves the earlier statements applied (said in `note`). Dry runs of such scripts are refused earlier.
 * @throws only for a broken session (the caller records it as the step's error).
 */
export async function runOnTarget(client: pg.Client, input: TargetRunInput): Promise<TargetRunResult> {
  if (!/^[0-9a-f]{64}$/.test(input.checksum)) throw new Error('checksum must be a sha256 hex digest');
  const deadlineMs = input.statementTimeoutMs > 0 ? input.statementTimeoutMs + 10_000 : 24 * 3600_000;
  const q = <R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]) =>
    withDeadline(client.query<R>(text, params), deadlineMs, 'a migration statement');

  // Analysis with PG12 rules first; the target's version may make ALTER TYPE ... ADD VALUE non-transactional.
  let analysis = analyzeSqlScript(input.sql);
  const probe = `SELECT current_setting('server_version_num')::int AS version,
    (SELECT row_to_json(h) FROM prm.migration_history h WHERE checksum = ${quoteLiteral(input.checksum)}) AS applied`;
  const connectionCheck = (local: boolean) =>
    `SELECT set_config('client_connection_check_interval', '1000', ${local}) WHERE current_setting('server_version_num')::int >= 140000`;
  const lockMs = Math.trunc(input.lockTimeoutMs);
  const stmtMs = Math.trunc(input.statementTimeoutMs);

  const result: TargetRunResult = {
    status: 'succeeded',
    statementsRun: 0,
    statementsTotal: analysis.statements.length,
    nonTransactional: analysis.nonTransactional,
    serverVersionNum: null,
    applied: null,
    subscriptionsBefore: [],
    error: null,
    note: null,
  };

  const setupTx = [
    'BEGIN',
    `SET LOCAL lock_timeout = ${lockMs}`,
    `SET LOCAL statement_timeout = ${stmtMs}`,
    connectionCheck(true),
    HISTORY_DDL,
    probe,
    SUBSCRIPTION_HEALTH_SQL,
  ].join(';\n');
  const setupAuto = [
    `SET lock_timeout = ${lockMs}`,
    `SET statement_timeout = ${stmtMs}`,
    connectionCheck(false),
    HISTORY_DDL,
    probe,
    SUBSCRIPTION_HEALTH_SQL,
  ].join(';\n');

  const readSetup = (results: pg.QueryResult[]): void => {
    const probeRows = results[results.length - 2].rows as { version: number; applied: TargetRunResult['applied'] }[];
    result.serverVersionNum = probeRows[0].version;
    result.applied = probeRows[0].applied;
    result.subscriptionsBefore = results[results.length - 1].rows as SubscriptionHealth[];
  };

  // Non-transactional when the script says so under PG12+ rules; the version check below may add to it.
  let transactional = !analysis.nonTransactional;
  if (transactional) {
    try {
      readSetup((await q(setupTx)) as unknown as pg.QueryResult[]);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    if (result.serverVersionNum !== null && result.serverVersionNum < 120000) {
      analysis = analyzeSqlScript(input.sql, { serverVersionNum: result.serverVersionNum });
      if (analysis.nonTransactional) {
        // ALTER TYPE ... ADD VALUE before PG12: switch to autocommit.
        await q('ROLLBACK');
        transactional = false;
        result.nonTransactional = true;
      }
    }
  }
  if (!transactional) readSetup((await q(setupAuto)) as unknown as pg.QueryResult[]);

  if (result.applied) {
    if (transactional) await q('ROLLBACK');
    result.status = 'already-applied';
    result.note = `already applied at ${result.applied.applied_at} by run ${result.applied.run_id} (${result.applied.applied_by})`;
    return result;
  }

  for (const statement of analysis.statements) {
    try {
      await q(statement.text);
    } catch (err) {
      result.status = 'failed';
      result.error = toStepError(err, statement);
      if (transactional) {
        await client.query('ROLLBACK').catch(() => undefined);
        result.note = 'rolled back: nothing of the script stays on this target';
      } else {
        result.note =
          result.statementsRun > 0
            ? `non-transactional script: the first ${result.statementsRun} statement(s) stay applied; ` +
              'a failed CREATE INDEX CONCURRENTLY leaves an INVALID index to drop before a re-run'
            : 'non-transactional script: nothing was applied';
      }
      return result;
    }
    result.statementsRun++;
    await input.onStatement?.(result.statementsRun);
  }

  if (input.dryRun) {
    await q('ROLLBACK');
    result.note = 'dry run: every statement ran, then ROLLBACK';
    return result;
  }
  await q(
    'INSERT INTO prm.migration_history (checksum, name, run_id, applied_at, applied_by) VALUES ($1, $2, $3, now(), $4)',
    [input.checksum, input.name, input.runId, input.actor],
  );
  if (transactional) await q('COMMIT');
  else result.note = 'non-transactional script: ran statement by statement outside a transaction';
  return result;
}

/**
 * Reads the target's subscriptions again and compares with `before`: a subscription that was enabled with a running
 * apply worker must still be so. Polls up to `waitMs` (the apply worker may be between restarts).
 * @returns the names of subscriptions that regressed, with why (empty = healthy), and those already unhealthy before.
 */
export async function checkStreamsAfter(
  client: pg.Client,
  before: SubscriptionHealth[],
  waitMs = 3000,
  intervalMs = 500,
): Promise<{ broken: string[]; alreadyUnhealthy: string[] }> {
  const alreadyUnhealthy = before.filter((s) => !s.enabled || s.applyPid === null).map((s) => s.name);
  const watched = before.filter((s) => s.enabled && s.applyPid !== null).map((s) => s.name);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const rows = (await withDeadline(client.query<SubscriptionHealth>(SUBSCRIPTION_HEALTH_SQL), 10_000, 'stream check'))
      .rows;
    const broken = watched.flatMap((name) => {
      const now = rows.find((r) => r.name === name);
      if (!now) return [`${name}: subscription dropped`];
      if (!now.enabled) return [`${name}: subscription disabled`];
      if (now.applyPid === null) return [`${name}: apply worker not running`];
      return [];
    });
    if (broken.length === 0 || Date.now() >= deadline) return { broken, alreadyUnhealthy };
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

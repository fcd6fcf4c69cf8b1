import {
  type ApiErrorDetail,
  DomainError,
  type EndpointView,
  MIGRATION_MAX_SQL_BYTES,
  type MigrationStatementView,
  type MigrationTargetView,
  type MigrationWarning,
  type TopologyEdge,
} from '@prm/contracts';
import { type AnalyzedStatement, type ScriptAnalysis, UnterminatedSqlError, analyzeSqlScript } from '@prm/pg';

/** Lone UTF-16 surrogates: text that has no UTF-8 encoding (e.g. a JSON `\ud800` escape). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Decodes an uploaded script's bytes as UTF-8, refusing invalid sequences (a `TextDecoder` with `fatal: true`).
 * @throws DomainError `validation-failed` (field `sql`) when the bytes are not valid UTF-8 or exceed 1 MiB.
 */
export function decodeScriptBytes(bytes: Uint8Array): string {
  if (bytes.byteLength > MIGRATION_MAX_SQL_BYTES) {
    throw new DomainError('validation-failed', `the script is larger than ${MIGRATION_MAX_SQL_BYTES} bytes`, [
      { field: 'sql', reason: `${bytes.byteLength} bytes; the limit is ${MIGRATION_MAX_SQL_BYTES}` },
    ]);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new DomainError('validation-failed', 'the script is not valid UTF-8', [
      { field: 'sql', reason: 'invalid UTF-8 byte sequence: save the file as UTF-8' },
    ]);
  }
}

/**
 * Checks and analyses a script: ≤ 1 MiB of UTF-8, well-formed Unicode, no NUL, at least one statement, no
 * transaction control (prm wraps each target in its own transaction), every quote and comment closed.
 * @param dryRun a dry run of a non-transactional script is refused (it cannot be rolled back).
 * @throws DomainError `validation-failed` with `field: 'sql'` details naming the line.
 */
export function checkScript(sql: string, dryRun: boolean): ScriptAnalysis {
  const fail = (message: string, details: ApiErrorDetail[]): never => {
    throw new DomainError('validation-failed', message, details);
  };
  const bytes = Buffer.byteLength(sql, 'utf8');
  if (bytes > MIGRATION_MAX_SQL_BYTES) {
    fail(`the script is larger than ${MIGRATION_MAX_SQL_BYTES} bytes`, [
      { field: 'sql', reason: `${bytes} bytes; the limit is ${MIGRATION_MAX_SQL_BYTES}` },
    ]);
  }
  if (LONE_SURROGATE.test(sql)) fail('the script is not valid Unicode', [{ field: 'sql', reason: 'lone surrogate' }]);
  if (sql.includes('\0')) fail('the script contains a NUL character', [{ field: 'sql', reason: 'NUL character' }]);
  let analysis: ScriptAnalysis;
  try {
    analysis = analyzeSqlScript(sql);
  } catch (err) {
    if (err instanceof UnterminatedSqlError) fail(err.message, [{ field: 'sql', reason: err.message }]);
    throw err;
  }
  if (analysis!.statements.length === 0) fail('the script has no statements', [{ field: 'sql', reason: 'empty' }]);
  const tx = analysis!.statements.filter((s) => s.transactionControl);
  if (tx.length > 0) {
    fail('remove transaction control from the script: prm runs each target in its own transaction', [
      ...tx.map((s) => ({ field: 'sql', reason: `line ${s.startLine}: ${s.text.slice(0, 60)}` })),
    ]);
  }
  if (dryRun && analysis!.nonTransactional) {
    fail('a script that cannot run in a transaction cannot be dry-run', [
      { field: 'dryRun', reason: dryRunBlockedReason(analysis!)! },
    ]);
  }
  return analysis!;
}

/** Why a dry run is impossible for this script, or null. */
export function dryRunBlockedReason(analysis: ScriptAnalysis): string | null {
  const s = analysis.statements.find((x) => x.nonTransactional);
  return s
    ? `line ${s.startLine} (${s.reason}${/concurrently/i.test(s.text) ? ' CONCURRENTLY' : ''}) cannot run inside a ` +
        'transaction block, so it cannot be rolled back'
    : null;
}

/** The transaction mode as the preview and report say it. */
export function modeSentence(analysis: ScriptAnalysis): string {
  return analysis.nonTransactional
    ? 'runs statement by statement outside a transaction (the script has statements that cannot run in a ' +
        'transaction block); history is recorded after the last statement'
    : 'runs in one transaction per target, with the history row written in the same transaction';
}

export function statementViews(analysis: ScriptAnalysis): MigrationStatementView[] {
  return analysis.statements.map((s) => ({
    index: s.index,
    startLine: s.startLine,
    endLine: s.endLine,
    text: s.text,
    classification: s.classification,
    reason: s.reason,
    nonTransactional: s.nonTransactional,
  }));
}

/**
 * Resolves the targets in run order.
 * - `ids` undefined: every endpoint with role `replica`, ordered by name.
 * - `ids` given: that order; every id must exist and appear once; a `primary` only with `includePrimaries`.
 * @param endpoints every endpoint (any order).
 * @throws DomainError `validation-failed` with `targets[i]` fields.
 */
export function resolveTargets(
  endpoints: EndpointView[],
  ids: string[] | undefined,
  includePrimaries: boolean,
): MigrationTargetView[] {
  let chosen: EndpointView[];
  if (ids === undefined) {
    chosen = endpoints.filter((e) => e.role === 'replica').sort((a, b) => a.name.localeCompare(b.name));
    if (chosen.length === 0) {
      throw new DomainError('validation-failed', 'there are no replica endpoints to migrate', [
        { field: 'targets', reason: 'no endpoint has role replica; list targets explicitly' },
      ]);
    }
  } else {
    const details: ApiErrorDetail[] = [];
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    chosen = [];
    ids.forEach((id, i) => {
      const e = byId.get(id);
      if (!e) details.push({ field: `targets[${i}]`, reason: `no endpoint with id ${id}` });
      else if (ids.indexOf(id) !== i) details.push({ field: `targets[${i}]`, reason: `${e.name} is listed twice` });
      else if (e.role === 'primary' && !includePrimaries) {
        details.push({
          field: `targets[${i}]`,
          reason: `${e.name} is a primary`,
          remedy: 'primaries are migrated only when includePrimaries is true',
        });
      } else chosen.push(e);
    });
    if (ids.length === 0) details.push({ field: 'targets', reason: 'at least one target is needed' });
    if (details.length > 0) throw new DomainError('validation-failed', 'invalid migration targets', details);
  }
  return chosen.map((e, i) => ({ endpointId: e.id, name: e.name, role: e.role, position: i + 1 }));
}

/** `schema.table` as `pg_subscription_rel` prints it; an unqualified name is taken as `public.<name>`. */
function qualified(table: string): string {
  return table.includes('.') ? table : `public.${table}`;
}

/**
 * Replication-order warnings for a plan (logical replication does not carry DDL; anchors.md §3 #26, §4.5):
 * - `destructive-on-subscriber`: a destructive statement (DROP/RENAME/ALTER TYPE/SET NOT NULL, ...) on a target
 *   that subscribes to a stream carrying that table, while the stream's publisher is not migrated before it:
 *   apply fails as soon as a row of the old shape arrives.
 * - `additive-publisher-first`: an additive statement (e.g. ADD COLUMN) on a publisher whose subscriber is not
 *   migrated before it: the publisher would send rows the subscriber cannot apply.
 * - `primary-target`: a primary is among the targets.
 * `tablesOf(edge)` gives the stream's tables (`schema.table`, from `pg_subscription_rel`) or null when unknown
 * (then every table is assumed to be carried).
 */
export function planWarnings(
  statements: AnalyzedStatement[],
  targets: MigrationTargetView[],
  edges: TopologyEdge[],
  tablesOf: (edge: TopologyEdge) => string[] | null,
): MigrationWarning[] {
  const warnings: MigrationWarning[] = [];
  const position = new Map(targets.map((t) => [t.endpointId, t.position]));
  const nameOf = new Map(targets.map((t) => [t.endpointId, t.name]));
  const carries = (edge: TopologyEdge, s: AnalyzedStatement): boolean => {
    const tables = tablesOf(edge);
    if (tables === null || s.targets.length === 0) return true;
    return s.targets.some((t) => tables.includes(qualified(t.table)));
  };
  const what = (s: AnalyzedStatement) =>
    s.targets.length > 0
      ? s.targets.map((t) => (t.column ? `${t.table}.${t.column}` : t.table)).join(', ')
      : s.text.slice(0, 60);

  for (const t of targets) {
    if (t.role === 'primary') {
      warnings.push({
        code: 'primary-target',
        message: `${t.name} is a primary: its changes reach its subscribers only as data, never as DDL`,
        endpointId: t.endpointId,
        streams: [],
        line: null,
      });
    }
    for (const s of statements) {
      if (s.classification === 'destructive') {
        const incoming = edges.filter(
          (e) => e.target === t.endpointId && carries(e, s) && !((position.get(e.source) ?? Infinity) < t.position),
        );
        if (incoming.length > 0) {
          warnings.push({
            code: 'destructive-on-subscriber',
            message:
              `line ${s.startLine} (${s.reason} ${what(s)}) runs on ${t.name}, which still receives it through ` +
              `${incoming.map((e) => e.subscription).join(', ')}: apply fails as soon as a row of the old shape ` +
              'arrives. Change the publisher first (remove the table from the publication or migrate the publisher ' +
              'earlier in the order).',
            endpointId: t.endpointId,
            streams: incoming.map((e) => e.subscription),
            line: s.startLine,
          });
        }
      }
      if (s.classification === 'additive' && s.targets.some((x) => x.column)) {
        const outgoing = edges.filter(
          (e) => e.source === t.endpointId && carries(e, s) && !((position.get(e.target) ?? Infinity) < t.position),
        );
        if (outgoing.length > 0) {
          const subscribers = outgoing.map((e) => nameOf.get(e.target) ?? e.target);
          warnings.push({
            code: 'additive-publisher-first',
            message:
              `line ${s.startLine} (${s.reason} ${what(s)}) reaches publisher ${t.name} before its subscriber(s) ` +
              `${subscribers.join(', ')} (${outgoing.map((e) => e.subscription).join(', ')}): their apply workers ` +
              'fail on rows with the new column. Migrate the subscribers first.',
            endpointId: t.endpointId,
            streams: outgoing.map((e) => e.subscription),
            line: s.startLine,
          });
        }
      }
    }
  }
  return warnings;
}

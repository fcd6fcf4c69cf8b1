/** A migration run's lifecycle: queued → running → succeeded | failed | halted (a stream check failed). */
export const MIGRATION_RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'halted'] as const;
export type MigrationRunStatus = (typeof MIGRATION_RUN_STATUSES)[number];

/**
 * One target's step: `pending` (not started), `running`, `succeeded`, `failed` (rolled back, or partly applied for
 * a non-transactional script), `skipped` (an earlier target failed), `already-applied` (the script's checksum was
 * already in the target's `prm.migration_history`).
 */
export const MIGRATION_STEP_STATUSES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'already-applied',
] as const;
export type MigrationStepStatus = (typeof MIGRATION_STEP_STATUSES)[number];

/** How a statement affects logical replication (see `analyzeSqlScript` in @prm/pg). */
export type MigrationStatementClass = 'additive' | 'destructive' | 'other';

/** One statement of a previewed script. */
export interface MigrationStatementView {
  index: number;
  /** 1-based script lines of the statement. */
  startLine: number;
  endLine: number;
  text: string;
  classification: MigrationStatementClass;
  /** Why, e.g. `DROP COLUMN`. */
  reason: string;
  /** Cannot run inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, ...). */
  nonTransactional: boolean;
}

/** A replication-order warning: the order or target set risks breaking a stream. */
export interface MigrationWarning {
  /** `additive-publisher-first`, `destructive-on-subscriber`, `primary-target`, `stream-unhealthy`, ... */
  code: string;
  message: string;
  endpointId: string | null;
  /** Names of the subscriptions (streams) concerned. */
  streams: string[];
  /** Script line of the statement concerned, when one is. */
  line: number | null;
}

/** One target of a plan, in run order. */
export interface MigrationTargetView {
  endpointId: string;
  name: string;
  role: 'primary' | 'replica';
  /** 1-based run order. */
  position: number;
}

/** `POST /api/migrations/preview`: what a run would do, before it runs. */
export interface MigrationPreview {
  name: string;
  /** SHA-256 of the script's UTF-8 bytes, hex. */
  checksum: string;
  sizeBytes: number;
  statements: MigrationStatementView[];
  /** True when the script runs statement by statement outside a transaction on each target. */
  nonTransactional: boolean;
  /** Human sentence about the transaction mode, e.g. "runs statement by statement outside a transaction". */
  mode: string;
  /** A dry run is impossible (non-transactional script): why. Null when a dry run can run. */
  dryRunBlockedReason: string | null;
  targets: MigrationTargetView[];
  warnings: MigrationWarning[];
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/** The failure of a target: the server's error fields and where in the script it happened. */
export interface MigrationStepError {
  /** SQLSTATE, e.g. `42701`; null for errors that are not server errors (connection, timeout). */
  sqlstate: string | null;
  message: string;
  detail: string | null;
  hint: string | null;
  /** 1-based character position in the statement as the server reported it. */
  position: number | null;
  /** 1-based script line of the error (the statement's first line when the server gave no position). */
  line: number | null;
  /** The failing statement's text. */
  statement: string | null;
  /** 0-based index of the failing statement. */
  statementIndex: number | null;
}

/** One target's step in a run. Times are ISO 8601; durations in ms. */
export interface MigrationStepView {
  position: number;
  endpointId: string;
  endpointName: string;
  status: MigrationStepStatus;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  statementsRun: number;
  statementsTotal: number;
  error: MigrationStepError | null;
  /** E.g. "already applied at ... by run ...", "stream replica_a_sub: apply worker not running". */
  note: string | null;
}

/** A migration run without its steps (history list). */
export interface MigrationRunSummary {
  id: string;
  name: string;
  checksum: string;
  status: MigrationRunStatus;
  dryRun: boolean;
  nonTransactional: boolean;
  /** Who submitted it, as the audit log names them (`alice`, `alice (token ci)`). */
  actor: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  targetCount: number;
  counts: Record<MigrationStepStatus, number>;
}

/** `GET /api/migrations/:id` and the JSON report. */
export interface MigrationRunView extends MigrationRunSummary {
  sql: string;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  warnings: MigrationWarning[];
  steps: MigrationStepView[];
}

/** Payload of the `migration.progress` event and live message. */
export interface MigrationProgressEvent {
  type: 'migration.progress';
  runId: string;
  status: MigrationRunStatus;
  /** The step that changed, when one did. */
  step: MigrationStepView | null;
  at: string;
}

/** Largest accepted script, bytes of UTF-8. */
export const MIGRATION_MAX_SQL_BYTES = 1_048_576;
/** Default `lock_timeout` of a migration, ms: short, so DDL waiting behind a busy apply worker gives up. */
export const MIGRATION_DEFAULT_LOCK_TIMEOUT_MS = 5000;
/** Default `statement_timeout` of a migration, ms. */
export const MIGRATION_DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;

/**
 * Stream provisioning (issue 4): preflight checklists, provisioning runs (the saga log) and the request/reply
 * patterns between the gateway and the provisioner. Payload DTOs are in `dto/provisioning.dto.ts`.
 */

/** Outcome of one preflight check: `fail` blocks creation, `warn` does not. */
export type PreflightOutcome = 'pass' | 'warn' | 'fail';

/** Which database a check ran against. */
export type PreflightSide = 'source' | 'target' | 'both';

/** One line of the preflight checklist. */
export interface PreflightCheck {
  /** Stable id, e.g. `source-wal-level`, `target-tables-exist`. */
  id: string;
  side: PreflightSide;
  title: string;
  outcome: PreflightOutcome;
  /** What was found (never a secret). */
  detail: string;
  /** What to do about a `warn` or `fail`; absent on `pass`. */
  fix?: string;
  /** SQLSTATE or cause code when the check failed on an error. */
  code?: string;
}

/** The whole checklist. `ok` is false when any check failed. */
export interface PreflightReport {
  ok: boolean;
  checks: PreflightCheck[];
  /** Facts that are always true and said once (sequences and DDL are not replicated). */
  notes: string[];
  /** Names the run would use (defaults filled in). */
  names: { publication: string; subscription: string; slot: string };
  /** Whether prm would create the publication (false: an existing one is reused and never dropped). */
  createsPublication: boolean;
  /** `server_version_num` of each end, when reachable. */
  sourceVersionNum: number | null;
  targetVersionNum: number | null;
}

/** What a run does. */
export const PROVISIONING_KINDS = ['create', 'remove', 'pause', 'resume', 'rotate-credentials'] as const;
export type ProvisioningKind = (typeof PROVISIONING_KINDS)[number];

/**
 * Life of a run: `queued` → `running` → `succeeded`, or on failure `rolling-back` → `rolled-back`
 * (`rollback-pending` while an end is unreachable: prm keeps retrying the undo). `failed` = refused before any
 * change (preflight) or a remove/pause/resume/rotation that could not finish (nothing to undo).
 */
export const PROVISIONING_RUN_STATES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'rolling-back',
  'rollback-pending',
  'rolled-back',
] as const;
export type ProvisioningRunState = (typeof PROVISIONING_RUN_STATES)[number];

/** Step names of the create saga (in order) and of the other runs. */
export type ProvisioningStepName =
  | 'preflight'
  | 'create-publication'
  | 'create-subscription'
  | 'wait-for-sync'
  | 'record-stream'
  | 'disable-subscription'
  | 'enable-subscription'
  | 'drop-subscription'
  | 'drop-slot'
  | 'drop-publication'
  | 'alter-connection'
  | 'verify-reconnect';

/** `running` is written before the step acts; `undone` after its rollback. */
export type ProvisioningStepState = 'running' | 'done' | 'failed' | 'undone' | 'skipped';

/** A failure with what to do about it. */
export interface ProvisioningError {
  step: ProvisioningStepName | 'rollback';
  message: string;
  sqlstate?: string;
  remedy: string;
}

/** One saga step as recorded before it ran; `created` says which objects it created (for the undo). */
export interface ProvisioningStepView {
  seq: number;
  name: ProvisioningStepName;
  state: ProvisioningStepState;
  /** E.g. `{ publication: 'p', createdByPrm: true }`, `{ subscription: 's', slot: 's', subid: 16401 }`. */
  created: Record<string, unknown>;
  error: ProvisioningError | null;
  startedAt: string;
  finishedAt: string | null;
}

/** A provisioning run (saga log) as the API returns it. */
export interface ProvisioningRunView {
  id: string;
  kind: ProvisioningKind;
  state: ProvisioningRunState;
  idempotencyKey: string | null;
  /** Where the request came from. */
  requestedVia: 'api' | 'sqs';
  streamId: string | null;
  sourceEndpointId: string | null;
  targetEndpointId: string;
  publicationName: string | null;
  subscriptionName: string;
  slotName: string | null;
  /** Whether prm created the publication (only those are dropped on rollback). */
  createsPublication: boolean;
  preflight: PreflightReport | null;
  steps: ProvisioningStepView[];
  error: ProvisioningError | null;
  createdAt: string;
  updatedAt: string;
}

/** A table of the source as the wizard lists it. */
export interface SourceTableView {
  schema: string;
  name: string;
  /** `schema.table`, quoted where needed (`regclass::text`). */
  qualified: string;
  /** pg_total_relation_size, bytes. */
  sizeBytes: number;
  /** pg_class.reltuples (estimate; -1 when never analyzed on PG14+). */
  estimatedRows: number;
  hasPrimaryKey: boolean;
  /** `pg_class.relreplident`: default, nothing, full or index. */
  replicaIdentity: 'default' | 'nothing' | 'full' | 'index';
  /** Whether UPDATE/DELETE can be published (a PK, a replica identity index, or FULL). */
  replicable: boolean;
}

/** A subscription whose stored conninfo carries a plaintext password (issue 4 §4). */
export interface CredentialFinding {
  endpointId: string;
  endpointName: string;
  subscriptionName: string;
  streamId: string | null;
  /** Whether prm created it (a rotation needs its replication credential reference). */
  provisioned: boolean;
  remedy: string;
}

/** Request/reply patterns answered by the provisioner. */
export enum ProvisioningPattern {
  Preflight = 'provisioning.preflight',
  Submit = 'provisioning.submit',
  GetRun = 'provisioning.runs.get',
  ListTables = 'provisioning.tables',
  CredentialFindings = 'provisioning.credential-findings',
}

/** Job of queue `provisioning`: execute (or continue, or undo) run `runId`; jobId = runId. */
export interface ProvisioningJobData {
  runId: string;
}

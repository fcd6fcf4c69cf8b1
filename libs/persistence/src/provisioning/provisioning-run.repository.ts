import { Injectable } from '@nestjs/common';
import type {
  PreflightReport,
  ProvisioningError,
  ProvisioningKind,
  ProvisioningRunState,
  ProvisioningRunView,
  ProvisioningStepName,
  ProvisioningStepState,
  ProvisioningStepView,
} from '@prm/contracts';
import { DataSource } from 'typeorm';

/** Fields a run is created with. `request` is the validated request (credential references only, no secret). */
export interface NewProvisioningRun {
  kind: ProvisioningKind;
  idempotencyKey: string | null;
  requestedVia: 'api' | 'sqs';
  streamId: string | null;
  sourceEndpointId: string | null;
  targetEndpointId: string;
  publicationName: string | null;
  createsPublication: boolean;
  subscriptionName: string;
  slotName: string | null;
  request: Record<string, unknown>;
}

/** A run with its stored request (internal; the API gets {@link ProvisioningRunView}). */
export interface ProvisioningRunRecord extends ProvisioningRunView {
  request: Record<string, unknown>;
  owner: string | null;
}

interface RunRow {
  id: string;
  kind: ProvisioningKind;
  state: ProvisioningRunState;
  idempotency_key: string | null;
  requested_via: 'api' | 'sqs';
  stream_id: string | null;
  source_endpoint_id: string | null;
  target_endpoint_id: string;
  publication_name: string | null;
  creates_publication: boolean;
  subscription_name: string;
  slot_name: string | null;
  request: Record<string, unknown>;
  preflight: PreflightReport | null;
  error: ProvisioningError | null;
  owner: string | null;
  created_at: Date;
  updated_at: Date;
}

interface StepRow {
  seq: number;
  name: ProvisioningStepName;
  state: ProvisioningStepState;
  created: Record<string, unknown>;
  error: ProvisioningError | null;
  started_at: Date;
  finished_at: Date | null;
}

const UNFINISHED: ProvisioningRunState[] = ['queued', 'running', 'rolling-back', 'rollback-pending'];

function toStep(r: StepRow): ProvisioningStepView {
  return {
    seq: r.seq,
    name: r.name,
    state: r.state,
    created: r.created,
    error: r.error,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
  };
}

function toRecord(r: RunRow, steps: StepRow[]): ProvisioningRunRecord {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    idempotencyKey: r.idempotency_key,
    requestedVia: r.requested_via,
    streamId: r.stream_id,
    sourceEndpointId: r.source_endpoint_id,
    targetEndpointId: r.target_endpoint_id,
    publicationName: r.publication_name,
    createsPublication: r.creates_publication,
    subscriptionName: r.subscription_name,
    slotName: r.slot_name,
    preflight: r.preflight,
    steps: steps.map(toStep),
    error: r.error,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    request: r.request,
    owner: r.owner,
  };
}

/**
 * The provisioning saga log (tables `provisioning_run`, `provisioning_step`). Parameterized SQL only. A run is
 * executed by the process holding its lease (`owner` + `heartbeat_at`); a lease older than the caller's lease time
 * belongs to a dead process and may be taken over (restart recovery).
 */
@Injectable()
export class ProvisioningRunRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts a run, or returns the existing one with the same idempotency key (`created: false`): a repeated request
   * never makes a second run (unique `idempotency_key`, `ON CONFLICT DO NOTHING`).
   */
  async create(run: NewProvisioningRun): Promise<{ run: ProvisioningRunRecord; created: boolean }> {
    const rows = (await this.dataSource.query(
      `INSERT INTO provisioning_run (kind, idempotency_key, requested_via, stream_id, source_endpoint_id,
         target_endpoint_id, publication_name, creates_publication, subscription_name, slot_name, request)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [
        run.kind,
        run.idempotencyKey,
        run.requestedVia,
        run.streamId,
        run.sourceEndpointId,
        run.targetEndpointId,
        run.publicationName,
        run.createsPublication,
        run.subscriptionName,
        run.slotName,
        JSON.stringify(run.request),
      ],
    )) as { id: string }[];
    if (rows[0]) return { run: (await this.get(rows[0].id)) as ProvisioningRunRecord, created: true };
    const existing = await this.findByIdempotencyKey(run.idempotencyKey as string);
    if (!existing) throw new Error('idempotency key conflict without a stored run');
    return { run: existing, created: false };
  }

  /** The run with its steps in order; null when unknown (or `id` is not a uuid). */
  async get(id: string): Promise<ProvisioningRunRecord | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const rows = (await this.dataSource.query('SELECT * FROM provisioning_run WHERE id = $1', [id])) as RunRow[];
    if (!rows[0]) return null;
    const steps = (await this.dataSource.query('SELECT * FROM provisioning_step WHERE run_id = $1 ORDER BY seq', [
      id,
    ])) as StepRow[];
    return toRecord(rows[0], steps);
  }

  async findByIdempotencyKey(key: string): Promise<ProvisioningRunRecord | null> {
    const rows = (await this.dataSource.query('SELECT id FROM provisioning_run WHERE idempotency_key = $1', [key])) as {
      id: string;
    }[];
    return rows[0] ? this.get(rows[0].id) : null;
  }

  /** An unfinished run touching this subscription on this target (one operation at a time per stream). */
  async findUnfinishedFor(targetEndpointId: string, subscriptionName: string): Promise<ProvisioningRunRecord | null> {
    const rows = (await this.dataSource.query(
      `SELECT id FROM provisioning_run WHERE target_endpoint_id = $1 AND subscription_name = $2
         AND state = ANY($3::text[]) ORDER BY created_at LIMIT 1`,
      [targetEndpointId, subscriptionName, UNFINISHED],
    )) as { id: string }[];
    return rows[0] ? this.get(rows[0].id) : null;
  }

  /**
   * Takes the run's lease for `owner` when it is free, already `owner`'s, or older than `leaseMs` (its process
   * died). Returns false when a live process holds it or the run is finished.
   */
  async claim(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `UPDATE provisioning_run SET owner = $2, heartbeat_at = now(), updated_at = now()
        WHERE id = $1 AND state = ANY($4::text[])
          AND (owner IS NULL OR owner = $2 OR heartbeat_at < now() - make_interval(secs => $3::float8 / 1000))
        RETURNING id`,
      [id, owner, leaseMs, UNFINISHED],
    )) as [unknown[], number] | unknown[];
    const list = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : (rows as unknown[]);
    return list.length > 0;
  }

  /** Renews the lease; false when another process took it over. */
  async heartbeat(id: string, owner: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      'UPDATE provisioning_run SET heartbeat_at = now() WHERE id = $1 AND owner = $2 RETURNING id',
      [id, owner],
    )) as [unknown[], number] | unknown[];
    const list = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : (rows as unknown[]);
    return list.length > 0;
  }

  /** Gives the lease up (the run is finished, or waits for a retry). */
  async release(id: string, owner: string): Promise<void> {
    await this.dataSource.query('UPDATE provisioning_run SET owner = NULL WHERE id = $1 AND owner = $2', [id, owner]);
  }

  /** Unfinished runs whose lease is free or expired (their process died): restart recovery. */
  async listRecoverable(leaseMs: number): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT id FROM provisioning_run WHERE state = ANY($1::text[])
          AND (owner IS NULL OR heartbeat_at < now() - make_interval(secs => $2::float8 / 1000))
        ORDER BY created_at`,
      [UNFINISHED, leaseMs],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Sets the state and optionally the error, preflight, stream, slot and publication facts. */
  async update(
    id: string,
    patch: {
      state?: ProvisioningRunState;
      error?: ProvisioningError | null;
      preflight?: PreflightReport;
      streamId?: string | null;
      publicationName?: string | null;
      createsPublication?: boolean;
      slotName?: string | null;
    },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE provisioning_run SET
         state = COALESCE($2, state),
         error = CASE WHEN $3::boolean THEN $4::jsonb ELSE error END,
         preflight = COALESCE($5::jsonb, preflight),
         stream_id = CASE WHEN $6::boolean THEN $7::uuid ELSE stream_id END,
         publication_name = CASE WHEN $8::boolean THEN $9 ELSE publication_name END,
         creates_publication = COALESCE($10, creates_publication),
         slot_name = CASE WHEN $11::boolean THEN $12 ELSE slot_name END,
         updated_at = now()
       WHERE id = $1`,
      [
        id,
        patch.state ?? null,
        'error' in patch,
        patch.error ? JSON.stringify(patch.error) : null,
        patch.preflight ? JSON.stringify(patch.preflight) : null,
        'streamId' in patch,
        patch.streamId ?? null,
        'publicationName' in patch,
        patch.publicationName ?? null,
        patch.createsPublication ?? null,
        'slotName' in patch,
        patch.slotName ?? null,
      ],
    );
  }

  /** Records a step as `running` before it acts, with what it is about to create. Returns its seq. */
  async startStep(runId: string, name: ProvisioningStepName, created: Record<string, unknown> = {}): Promise<number> {
    const rows = (await this.dataSource.query(
      `INSERT INTO provisioning_step (run_id, seq, name, state, created)
       SELECT $1, COALESCE(max(seq), 0) + 1, $2, 'running', $3::jsonb FROM provisioning_step WHERE run_id = $1
       RETURNING seq`,
      [runId, name, JSON.stringify(created)],
    )) as { seq: number }[];
    await this.dataSource.query('UPDATE provisioning_run SET updated_at = now() WHERE id = $1', [runId]);
    return rows[0].seq;
  }

  /** Finishes a step; `created` is merged into what was recorded. */
  async finishStep(
    runId: string,
    seq: number,
    state: ProvisioningStepState,
    created: Record<string, unknown> = {},
    error: ProvisioningError | null = null,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE provisioning_step SET state = $3, created = created || $4::jsonb, error = $5::jsonb, finished_at = now()
        WHERE run_id = $1 AND seq = $2`,
      [runId, seq, state, JSON.stringify(created), error ? JSON.stringify(error) : null],
    );
  }

  /** Marks every `done` or `running` step of the run as `undone` (after a complete rollback). */
  async markUndone(runId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE provisioning_step SET state = 'undone', finished_at = COALESCE(finished_at, now())
        WHERE run_id = $1 AND state IN ('done', 'running') AND name <> 'preflight'`,
      [runId],
    );
  }

  /**
   * Inserts or marks the `stream` row of a provisioned subscription (origin `provisioned`). The `stream` table
   * belongs to the monitoring area (libs/persistence/src/streams); its StreamRepository has no provisioned upsert,
   * so this is the one parameterized statement prm's provisioner writes there.
   * @returns the stream id; null when the target endpoint was deleted meanwhile.
   */
  async upsertProvisionedStream(s: {
    targetEndpointId: string;
    subscriptionName: string;
    sourceEndpointId: string | null;
    publications: string[];
    slotName: string | null;
  }): Promise<string | null> {
    const rows = (await this.dataSource.query(
      `INSERT INTO stream (target_endpoint_id, subscription_name, source_endpoint_id, publications, slot_name, origin)
       SELECT e.id, $2, (SELECT id FROM endpoint WHERE id = $3), $4::text[], $5, 'provisioned'
         FROM endpoint e WHERE e.id = $1
       ON CONFLICT (target_endpoint_id, subscription_name) DO UPDATE
         SET source_endpoint_id = EXCLUDED.source_endpoint_id, publications = EXCLUDED.publications,
             slot_name = EXCLUDED.slot_name, origin = 'provisioned', updated_at = now()
       RETURNING id`,
      [s.targetEndpointId, s.subscriptionName, s.sourceEndpointId, s.publications, s.slotName],
    )) as { id: string }[];
    return rows[0]?.id ?? null;
  }

  /** Deletes a stream row after its subscription was dropped (status and samples cascade). */
  async deleteStream(streamId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM stream WHERE id = $1', [streamId]);
  }

  /** The replication credential reference of the latest successful create or rotation of the stream. */
  async latestReplicationCredential(streamId: string): Promise<Record<string, unknown> | null> {
    const rows = (await this.dataSource.query(
      `SELECT request -> 'replicationCredential' AS c FROM provisioning_run
        WHERE stream_id = $1 AND state = 'succeeded' AND kind IN ('create', 'rotate-credentials')
          AND request ? 'replicationCredential'
        ORDER BY updated_at DESC LIMIT 1`,
      [streamId],
    )) as { c: Record<string, unknown> | null }[];
    return rows[0]?.c ?? null;
  }
}

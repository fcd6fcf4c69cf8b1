import { Injectable } from '@nestjs/common';
import {
  MIGRATION_STEP_STATUSES,
  type MigrationRunStatus,
  type MigrationRunSummary,
  type MigrationRunView,
  type MigrationStepError,
  type MigrationStepStatus,
  type MigrationStepView,
  type MigrationWarning,
} from '@prm/contracts';
import { DataSource, type EntityManager } from 'typeorm';

/** Thrown by {@link MigrationRunRepository.insertQueued} when another run is queued or running. */
export class MigrationRunActiveError extends Error {
  readonly code = 'migration-run-active';
  constructor(
    /** Id of the run that is queued or running (null when it finished between the insert and the lookup). */
    readonly activeRunId: string | null,
  ) {
    super(`migration run ${activeRunId ?? '(just finished)'} is queued or running`);
    this.name = 'MigrationRunActiveError';
  }
}

/** A new run as the gateway queues it. Timeouts in ms. */
export interface NewMigrationRun {
  name: string;
  sql: string;
  checksum: string;
  dryRun: boolean;
  nonTransactional: boolean;
  actor: string;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  warnings: MigrationWarning[];
  /** Targets in run order. */
  targets: { endpointId: string; endpointName: string }[];
  statementsTotal: number;
}

/** Fields of a step that change while it runs. */
export interface MigrationStepPatch {
  status?: MigrationStepStatus;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  durationMs?: number | null;
  statementsRun?: number;
  error?: MigrationStepError | null;
  note?: string | null;
}

interface RunRow {
  id: string;
  name: string;
  sql: string;
  checksum: string;
  status: MigrationRunStatus;
  dry_run: boolean;
  non_transactional: boolean;
  actor: string;
  lock_timeout_ms: number;
  statement_timeout_ms: number;
  warnings: MigrationWarning[];
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

interface StepRow {
  run_id: string;
  position: number;
  endpoint_id: string;
  endpoint_name: string;
  status: MigrationStepStatus;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  statements_run: number;
  statements_total: number;
  error: MigrationStepError | null;
  note: string | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toStep(r: StepRow): MigrationStepView {
  return {
    position: r.position,
    endpointId: r.endpoint_id,
    endpointName: r.endpoint_name,
    status: r.status,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    durationMs: r.duration_ms,
    statementsRun: r.statements_run,
    statementsTotal: r.statements_total,
    error: r.error,
    note: r.note,
  };
}

function counts(steps: { status: MigrationStepStatus }[]): Record<MigrationStepStatus, number> {
  const c = Object.fromEntries(MIGRATION_STEP_STATUSES.map((s) => [s, 0])) as Record<MigrationStepStatus, number>;
  for (const s of steps) c[s.status]++;
  return c;
}

function toSummary(r: RunRow, steps: { status: MigrationStepStatus }[]): MigrationRunSummary {
  return {
    id: r.id,
    name: r.name,
    checksum: r.checksum,
    status: r.status,
    dryRun: r.dry_run,
    nonTransactional: r.non_transactional,
    actor: r.actor,
    createdAt: r.created_at.toISOString(),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    targetCount: steps.length,
    counts: counts(steps),
  };
}

/**
 * Migration runs and steps (tables `migration_run`, `migration_step`). Every write is one parameterised statement;
 * steps are written before a target runs (crash safety: the migrator resumes from them).
 */
@Injectable()
export class MigrationRunRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts a `queued` run and its `pending` steps in one transaction.
   * @throws MigrationRunActiveError when a run is already queued or running (unique index
   *   `migration_run_one_active`, SQLSTATE 23505), carrying that run's id.
   */
  async insertQueued(run: NewMigrationRun): Promise<string> {
    try {
      return await this.dataSource.transaction(async (m) => {
        const [{ id }] = (await m.query(
          `INSERT INTO migration_run (name, sql, checksum, status, dry_run, non_transactional, actor, lock_timeout_ms,
             statement_timeout_ms, warnings)
           VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8, $9::jsonb) RETURNING id`,
          [
            run.name,
            run.sql,
            run.checksum,
            run.dryRun,
            run.nonTransactional,
            run.actor,
            run.lockTimeoutMs,
            run.statementTimeoutMs,
            JSON.stringify(run.warnings),
          ],
        )) as { id: string }[];
        await m.query(
          `INSERT INTO migration_step (run_id, position, endpoint_id, endpoint_name, status, statements_total)
           SELECT $1, t.ordinality, t.endpoint_id, t.endpoint_name, 'pending', $4
           FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS t(endpoint_id, endpoint_name)`,
          [id, run.targets.map((t) => t.endpointId), run.targets.map((t) => t.endpointName), run.statementsTotal],
        );
        return id;
      });
    } catch (err) {
      const e = err as { driverError?: { code?: string; constraint?: string }; code?: string; constraint?: string };
      const d = e.driverError ?? e;
      if (d.code === '23505' && d.constraint === 'migration_run_one_active') {
        throw new MigrationRunActiveError((await this.findActive())?.id ?? null);
      }
      throw err;
    }
  }

  /** The run that is queued or running, if any. */
  async findActive(): Promise<MigrationRunSummary | null> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM migration_run WHERE status IN ('queued', 'running') LIMIT 1`,
    )) as RunRow[];
    return rows[0] ? ((await this.findById(rows[0].id)) as MigrationRunSummary) : null;
  }

  /** Runs with status `running` (a migrator crashed or was killed during them) or `queued`. */
  async findUnfinished(): Promise<MigrationRunSummary[]> {
    const rows = (await this.dataSource.query(
      `SELECT id FROM migration_run WHERE status IN ('queued', 'running') ORDER BY created_at`,
    )) as { id: string }[];
    const out: MigrationRunSummary[] = [];
    for (const r of rows) {
      const v = await this.findById(r.id);
      if (v) out.push(v);
    }
    return out;
  }

  /** The newest runs first, `limit` at most (steps counted, not returned). */
  async list(limit = 100): Promise<MigrationRunSummary[]> {
    const runs = (await this.dataSource.query(`SELECT * FROM migration_run ORDER BY created_at DESC LIMIT $1`, [
      limit,
    ])) as RunRow[];
    if (runs.length === 0) return [];
    const steps = (await this.dataSource.query(
      `SELECT run_id, status FROM migration_step WHERE run_id = ANY($1::uuid[])`,
      [runs.map((r) => r.id)],
    )) as { run_id: string; status: MigrationStepStatus }[];
    return runs.map((r) =>
      toSummary(
        r,
        steps.filter((s) => s.run_id === r.id),
      ),
    );
  }

  /** A run with its steps in order; null when unknown. */
  async findById(id: string): Promise<MigrationRunView | null> {
    const runs = (await this.dataSource.query(`SELECT * FROM migration_run WHERE id = $1`, [id])) as RunRow[];
    if (!runs[0]) return null;
    const r = runs[0];
    const steps = (
      (await this.dataSource.query(`SELECT * FROM migration_step WHERE run_id = $1 ORDER BY position`, [
        id,
      ])) as StepRow[]
    ).map(toStep);
    return {
      ...toSummary(r, steps),
      sql: r.sql,
      lockTimeoutMs: r.lock_timeout_ms,
      statementTimeoutMs: r.statement_timeout_ms,
      warnings: r.warnings,
      steps,
    };
  }

  /** Sets a run's status; `running` stamps `started_at` once, final statuses stamp `finished_at`. */
  async setStatus(id: string, status: MigrationRunStatus): Promise<void> {
    await this.dataSource.query(
      `UPDATE migration_run SET status = $2,
         started_at = CASE WHEN $2 = 'running' THEN coalesce(started_at, now()) ELSE started_at END,
         finished_at = CASE WHEN $2 IN ('succeeded', 'failed', 'halted') THEN now() ELSE finished_at END
       WHERE id = $1`,
      [id, status],
    );
  }

  /** Applies `patch` to step `position` of run `runId`. */
  async updateStep(runId: string, position: number, patch: MigrationStepPatch, m?: EntityManager): Promise<void> {
    const cols: string[] = [];
    const params: unknown[] = [runId, position];
    const set = (col: string, v: unknown, cast = ''): void => {
      params.push(v);
      cols.push(`${col} = $${params.length}${cast}`);
    };
    if (patch.status !== undefined) set('status', patch.status);
    if (patch.startedAt !== undefined) set('started_at', patch.startedAt);
    if (patch.finishedAt !== undefined) set('finished_at', patch.finishedAt);
    if (patch.durationMs !== undefined) set('duration_ms', patch.durationMs);
    if (patch.statementsRun !== undefined) set('statements_run', patch.statementsRun);
    if (patch.error !== undefined) set('error', patch.error === null ? null : JSON.stringify(patch.error), '::jsonb');
    if (patch.note !== undefined) set('note', patch.note);
    if (cols.length === 0) return;
    await (m ?? this.dataSource).query(
      `UPDATE migration_step SET ${cols.join(', ')} WHERE run_id = $1 AND position = $2`,
      params,
    );
  }

  /** Marks every `pending` step of `runId` after `position` as `skipped` with `note`. */
  async skipAfter(runId: string, position: number, note: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE migration_step SET status = 'skipped', note = $3
       WHERE run_id = $1 AND position > $2 AND status = 'pending'`,
      [runId, position, note],
    );
  }
}

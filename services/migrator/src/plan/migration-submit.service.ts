import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import {
  DomainError,
  JobName,
  type MigrationJobData,
  type MigrationPreview,
  type MigrationRunSummary,
  QueueName,
  type SubmitMigrationDto,
  type TopologyEdge,
} from '@prm/contracts';
import { buildTopology } from '@prm/monitor-service';
import {
  EndpointRepository,
  EndpointStatusRepository,
  MigrationRunActiveError,
  MigrationRunRepository,
  toEndpointView,
} from '@prm/persistence';
import type { Queue } from 'bullmq';
import {
  checkScript,
  dryRunBlockedReason,
  modeSentence,
  planWarnings,
  resolveTargets,
  statementViews,
} from './migration-plan.js';
import { withCorrelationId } from '@prm/observability';

/** Options of a BullMQ migration job: the run id as job id (one job per run), kept on failure for inspection. */
export function migrationJobOptions(runId: string) {
  return {
    jobId: runId,
    attempts: 5,
    backoff: { type: 'exponential' as const, delay: 5000 },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: false,
  };
}

/** Who submitted a run when the caller is unknown (the gateway passes the signed-in user). */
export const ANONYMOUS_ACTOR = 'anonymous';

/**
 * Preview and submission of migrations (used by the gateway): checks the script, resolves targets, derives
 * replication-order warnings from the latest topology, and queues a run behind the one-at-a-time guard.
 */
@Injectable()
export class MigrationSubmitService {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly statuses: EndpointStatusRepository,
    private readonly runs: MigrationRunRepository,
    @InjectQueue(QueueName.Migrations) private readonly queue: Queue,
  ) {}

  /**
   * What a run of `dto` would do: statements (lines, class, non-transactional flag), targets in order, warnings.
   * @throws DomainError `validation-failed` for a bad script or target list.
   */
  async preview(dto: SubmitMigrationDto): Promise<MigrationPreview> {
    const analysis = checkScript(dto.sql, false);
    const [endpoints, statuses] = await Promise.all([this.endpoints.findAll(), this.statuses.findAll()]);
    const views = endpoints.map(toEndpointView);
    const targets = resolveTargets(views, dto.targets, dto.includePrimaries ?? false);
    const topology = buildTopology(views, statuses, new Date());
    const tablesOf = (edge: TopologyEdge): string[] | null => {
      const sub = statuses
        .find((s) => s.endpointId === edge.target)
        ?.subscriptions.find((x) => x.name === edge.subscription);
      return sub?.tables ? sub.tables.map((t) => t.table) : null;
    };
    return {
      name: dto.name,
      checksum: analysis.checksum,
      sizeBytes: Buffer.byteLength(dto.sql, 'utf8'),
      statements: statementViews(analysis),
      nonTransactional: analysis.nonTransactional,
      mode: modeSentence(analysis),
      dryRunBlockedReason: dryRunBlockedReason(analysis),
      targets,
      warnings: planWarnings(analysis.statements, targets, topology.edges, tablesOf),
      lockTimeoutMs: dto.lockTimeoutMs ?? 5000,
      statementTimeoutMs: dto.statementTimeoutMs ?? 60_000,
    };
  }

  /**
   * Queues a run: inserts it (status `queued`, one `pending` step per target) and adds job `run-migration` with the
   * run id as job id.
   * @throws DomainError `conflict` (409) naming the run that is queued or running; `validation-failed` as preview.
   */
  async submit(dto: SubmitMigrationDto, actor = ANONYMOUS_ACTOR): Promise<MigrationRunSummary> {
    checkScript(dto.sql, dto.dryRun ?? false);
    const plan = await this.preview(dto);
    let runId: string;
    try {
      runId = await this.runs.insertQueued({
        name: dto.name,
        sql: dto.sql,
        checksum: plan.checksum,
        dryRun: dto.dryRun ?? false,
        nonTransactional: plan.nonTransactional,
        actor,
        lockTimeoutMs: plan.lockTimeoutMs,
        statementTimeoutMs: plan.statementTimeoutMs,
        warnings: plan.warnings,
        targets: plan.targets.map((t) => ({ endpointId: t.endpointId, endpointName: t.name })),
        statementsTotal: plan.statements.length,
      });
    } catch (err) {
      if (err instanceof MigrationRunActiveError) {
        throw new DomainError('conflict', `migration run ${err.activeRunId ?? '(finishing)'} is queued or running`, [
          {
            field: 'runId',
            reason: err.activeRunId ?? 'unknown',
            code: 'migration-run-active',
            remedy: 'wait for it to finish; prm runs one migration at a time',
          },
        ]);
      }
      throw err;
    }
    // The HTTP request id travels with the job (worker log lines carry it as correlationId).
    const data: MigrationJobData = withCorrelationId({ runId });
    await this.queue.add(JobName.RunMigration, data, migrationJobOptions(runId));
    const run = await this.runs.findById(runId);
    return run!;
  }
}

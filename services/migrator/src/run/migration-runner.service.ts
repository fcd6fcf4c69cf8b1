import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import {
  EventPattern,
  type MigrationProgressEvent,
  type MigrationRunStatus,
  type MigrationRunView,
  type MigrationStepView,
} from '@prm/contracts';
import { CREDENTIAL_RESOLVER } from '@prm/aws';
import { PRM_BUS } from '@prm/messaging';
import { type CredentialResolver, destroyClient, openClient } from '@prm/pg';
import { EndpointRepository, MigrationRunRepository, type MigrationStepPatch } from '@prm/persistence';
import type pg from 'pg';
import { lastValueFrom } from 'rxjs';
import { MIGRATOR_SETTINGS, type MigratorSettings } from '../migrator.ports.js';
import { checkStreamsAfter, runOnTarget, toStepError } from './target-runner.js';

/**
 * Thrown by {@link MigrationRunnerService.execute} when the service is shutting down: the run stays `running` (the
 * step under way, if any, stays `running` and its target transaction was either committed — found again in
 * `prm.migration_history` on resume — or rolled back), for the job to be returned to the queue and resumed.
 */
export class MigrationInterruptedError extends Error {
  readonly code = 'migration-interrupted';
  constructor(readonly runId: string) {
    super(`migration run ${runId} interrupted by shutdown; it resumes from its recorded steps`);
  }
}

/** `application_name` of migrator sessions on targets (visible in `pg_stat_activity`). */
export const MIGRATOR_APPLICATION_NAME = 'prm-migrator';

/**
 * Executes one migration run, target after target, halting at the first failure. Every step is written to
 * `migration_step` before its target runs, so a run found `running` after a crash resumes at the step that was
 * `running`: {@link runOnTarget} checks the target's `prm.migration_history` first, so nothing is applied twice.
 * Emits `migration.progress` on the bus for every change.
 */
@Injectable()
export class MigrationRunnerService {
  private readonly logger = new Logger(MigrationRunnerService.name);
  private stopping = false;
  /** Open target sessions, and those closed by {@link abortActive}. */
  private readonly active = new Set<pg.Client>();
  private readonly aborted = new WeakSet<pg.Client>();

  constructor(
    private readonly runs: MigrationRunRepository,
    private readonly endpoints: EndpointRepository,
    @Inject(CREDENTIAL_RESOLVER) private readonly resolver: CredentialResolver,
    @Inject(PRM_BUS) private readonly bus: ClientProxy,
    @Inject(MIGRATOR_SETTINGS) private readonly settings: MigratorSettings,
  ) {}

  /** Shutdown, step 1: no further target is started; the one under way may finish. */
  requestStop(): void {
    this.stopping = true;
  }

  /**
   * Shutdown, step 2 (grace over): closes the target sessions under way. The server rolls the open transaction
   * back; nothing is recorded as failed ({@link MigrationInterruptedError} instead).
   */
  abortActive(): void {
    for (const client of this.active) {
      this.aborted.add(client);
      destroyClient(client);
    }
  }

  /**
   * Runs (or resumes) run `runId`. A run already finished is left alone. Returns the final status.
   * @throws MigrationInterruptedError when {@link requestStop} was called (checked before each target).
   * @throws only when the metadata store fails (BullMQ retries the job; the run resumes where it stopped).
   */
  async execute(runId: string): Promise<MigrationRunStatus | null> {
    const run = await this.runs.findById(runId);
    if (!run) {
      this.logger.warn(`migration run ${runId} does not exist; job dropped`);
      return null;
    }
    if (run.status !== 'queued' && run.status !== 'running') return run.status;
    await this.runs.setStatus(runId, 'running');
    await this.emit(runId, 'running', null);

    for (const step of run.steps) {
      if (step.status !== 'pending' && step.status !== 'running') continue;
      if (this.stopping) throw new MigrationInterruptedError(runId);
      const resumed = step.status === 'running';
      const outcome = await this.runStep(run, step, resumed);
      if (outcome !== 'ok') {
        await this.runs.skipAfter(
          runId,
          step.position,
          `skipped: ${step.endpointName} ${outcome === 'failed' ? 'failed' : 'had a stream check failure'}`,
        );
        for (const later of run.steps.filter((s) => s.position > step.position && s.status === 'pending')) {
          await this.emitStep(runId, 'running', later.position);
        }
        const final: MigrationRunStatus = outcome === 'failed' ? 'failed' : 'halted';
        await this.runs.setStatus(runId, final);
        await this.emit(runId, final, null);
        return final;
      }
    }
    await this.runs.setStatus(runId, 'succeeded');
    await this.emit(runId, 'succeeded', null);
    return 'succeeded';
  }

  private async runStep(
    run: MigrationRunView,
    step: MigrationStepView,
    resumed: boolean,
  ): Promise<'ok' | 'failed' | 'halted'> {
    const started = new Date();
    await this.update(run.id, step.position, { status: 'running', startedAt: started, statementsRun: 0 });
    const finish = async (patch: MigrationStepPatch): Promise<void> => {
      const finishedAt = new Date();
      await this.update(run.id, step.position, {
        ...patch,
        finishedAt,
        durationMs: finishedAt.getTime() - started.getTime(),
      });
    };

    const endpoint = await this.endpoints.findById(step.endpointId);
    if (!endpoint) {
      await finish({
        status: 'failed',
        error: { ...toStepError(new Error('the endpoint was deleted after the run was queued'), null) },
      });
      return 'failed';
    }
    let client;
    try {
      client = await openClient(endpoint, this.resolver, {
        applicationName: MIGRATOR_APPLICATION_NAME,
        connectTimeoutMs: this.settings.connectTimeoutMs,
        statementTimeoutMs: run.statementTimeoutMs,
        lockTimeoutMs: run.lockTimeoutMs,
      });
    } catch (err) {
      await finish({ status: 'failed', error: toStepError(err, null), note: 'could not connect to the target' });
      return 'failed';
    }
    this.active.add(client);
    try {
      let lastReported = 0;
      const result = await runOnTarget(client, {
        runId: run.id,
        name: run.name,
        sql: run.sql,
        checksum: run.checksum,
        actor: run.actor,
        dryRun: run.dryRun,
        lockTimeoutMs: run.lockTimeoutMs,
        statementTimeoutMs: run.statementTimeoutMs,
        onStatement: async (n) => {
          // Progress at most every 250 ms: one metadata write per statement would slow long scripts.
          if (Date.now() - lastReported < 250) return;
          lastReported = Date.now();
          await this.update(run.id, step.position, { statementsRun: n });
        },
      });
      if (this.aborted.has(client) && result.status === 'failed') throw new MigrationInterruptedError(run.id);
      let status: MigrationStepView['status'] = result.status;
      let note = result.note;
      if (result.status === 'already-applied' && resumed && result.applied?.run_id === run.id) {
        // The migrator stopped after COMMIT but before recording the step: the history row says it was applied.
        status = 'succeeded';
        note = `resumed after a restart: prm.migration_history shows this run applied it at ${result.applied.applied_at}`;
      } else if (resumed && result.status === 'succeeded') {
        note = `resumed after a restart: not in prm.migration_history, so it ran again${note ? `; ${note}` : ''}`;
      }
      if (result.status === 'failed') {
        await finish({ status: 'failed', statementsRun: result.statementsRun, error: result.error, note });
        return 'failed';
      }
      if (!run.dryRun && result.status === 'succeeded') {
        const streams = await checkStreamsAfter(client, result.subscriptionsBefore, this.settings.streamCheckWaitMs);
        if (streams.alreadyUnhealthy.length > 0) {
          note = `${note ? `${note}; ` : ''}streams already unhealthy before the migration: ${streams.alreadyUnhealthy.join(', ')}`;
        }
        if (streams.broken.length > 0) {
          await finish({
            status: 'succeeded',
            statementsRun: result.statementsRun,
            note: `${note ? `${note}; ` : ''}halted after this target: ${streams.broken.join('; ')}`,
          });
          return 'halted';
        }
      }
      await finish({ status, statementsRun: result.statementsRun, note });
      return 'ok';
    } catch (err) {
      if (err instanceof MigrationInterruptedError || this.aborted.has(client))
        throw new MigrationInterruptedError(run.id);
      await finish({ status: 'failed', error: toStepError(err, null), note: 'the session to the target broke' });
      return 'failed';
    } finally {
      this.active.delete(client);
      destroyClient(client);
    }
  }

  private async update(runId: string, position: number, patch: MigrationStepPatch): Promise<void> {
    await this.runs.updateStep(runId, position, patch);
    await this.emitStep(runId, 'running', position);
  }

  private async emitStep(runId: string, status: MigrationRunStatus, position: number): Promise<void> {
    const run = await this.runs.findById(runId);
    await this.emit(runId, status, run?.steps.find((s) => s.position === position) ?? null);
  }

  private async emit(runId: string, status: MigrationRunStatus, step: MigrationStepView | null): Promise<void> {
    const event: MigrationProgressEvent = {
      type: 'migration.progress',
      runId,
      status,
      step,
      at: new Date().toISOString(),
    };
    try {
      await lastValueFrom(this.bus.emit(EventPattern.MigrationProgress, event), { defaultValue: undefined });
    } catch (err) {
      // Live push only: the run's truth is in migration_run/migration_step.
      this.logger.warn(`migration.progress not published: ${(err as Error).message}`);
    }
  }
}

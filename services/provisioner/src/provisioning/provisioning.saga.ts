import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  type CreateStreamDto,
  type CredentialRef,
  EventPattern,
  type PreflightReport,
  type ProvisioningError,
  type ProvisioningStepName,
  toCredentialRef,
  type CredentialRefDto,
} from '@prm/contracts';
import {
  type EndpointEntity,
  ProvisioningRunRepository,
  type ProvisioningRunRecord,
  StreamRepository,
} from '@prm/persistence';
import {
  alterSubscriptionConnectionSql,
  alterSubscriptionEnabledSql,
  buildSubscriptionConninfo,
  createPublicationSql,
  createSubscriptionSql,
  detachSubscriptionSlotSql,
  dropPublicationSql,
  dropSubscriptionSql,
  quoteIdent,
  quoteLiteral,
  runPreflight,
  type SubscriptionOptions,
} from '@prm/pg';
import type pg from 'pg';
import type { ProvisionerSettings } from '../env.js';
import { closeQuietly, EndpointSessions } from './endpoint-sessions.js';
import { PROVISIONER_SETTINGS, PROVISIONING_EVENTS, type ProvisioningEventBus } from './provisioning.ports.js';
import { SagaStepError, toProvisioningError } from './saga-errors.js';

/** Stored request of a remove run. */
export interface RemoveRequest {
  streamId: string;
  dropPublication: boolean;
}

/** Comment prm puts on a publication it creates: the undo drops only a publication carrying its run's mark. */
export const publicationMark = (runId: string): string => `prm:run:${runId}`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reads pg_subscription's oid of `name` in the current database; null when absent. */
async function subscriptionOid(client: pg.Client, name: string): Promise<number | null> {
  const { rows } = await client.query<{ oid: number }>(
    `SELECT oid::int AS oid FROM pg_subscription WHERE subname = $1
        AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [name],
  );
  return rows[0]?.oid ?? null;
}

/** Apply worker pid of subscription `subid` (pg_stat_subscription row with relid NULL); null when not running. */
async function applyWorkerPid(client: pg.Client, subid: number): Promise<number | null> {
  const { rows } = await client.query<{ pid: number | null }>(
    'SELECT pid FROM pg_stat_subscription WHERE subid = $1 AND relid IS NULL',
    [subid],
  );
  return rows[0]?.pid ?? null;
}

/**
 * The provisioning saga: executes one run (create, remove, pause, resume, rotate-credentials) under its lease,
 * writing every step to `provisioning_step` before it acts, and on a failure of a create undoes in reverse only
 * what the run created (subscription: DISABLE, SET (slot_name = NONE), DROP; then the slot and the table-sync slots
 * `pg_<subid>_sync_%` on the source, after terminating their walsenders; then the publication when prm created it).
 * A rollback that cannot reach an end is left `rollback-pending` and retried by the recovery loop.
 */
@Injectable()
export class ProvisioningSaga {
  private readonly logger = new Logger(ProvisioningSaga.name);
  /** This process's identity in run leases. */
  readonly owner = `provisioner-${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly active = new Set<string>();

  constructor(
    private readonly runs: ProvisioningRunRepository,
    private readonly streams: StreamRepository,
    private readonly sessions: EndpointSessions,
    @Inject(PROVISIONER_SETTINGS) private readonly settings: ProvisionerSettings,
    @Inject(PROVISIONING_EVENTS) private readonly events: ProvisioningEventBus,
  ) {}

  /**
   * Executes (or continues, or rolls back) run `runId` when this process can take its lease. A run found
   * `running` with an expired lease was interrupted (its process died): it is rolled back, or completed when every
   * step had succeeded. Returns false when another live process holds the run or it is finished.
   */
  async execute(runId: string): Promise<boolean> {
    if (this.active.has(runId)) return false;
    this.active.add(runId);
    const beat = setInterval(
      () => {
        void this.runs.heartbeat(runId, this.owner).catch(() => undefined);
      },
      Math.max(500, Math.floor(this.settings.leaseMs / 3)),
    );
    try {
      if (!(await this.runs.claim(runId, this.owner, this.settings.leaseMs))) return false;
      const run = (await this.runs.get(runId)) as ProvisioningRunRecord;
      switch (run.state) {
        case 'queued':
          this.logger.log(`run ${runId} (${run.kind} ${run.subscriptionName}) started`);
          await this.runs.update(runId, { state: 'running' });
          await this.dispatch({ ...run, state: 'running' });
          break;
        case 'running':
          await this.resumeInterrupted(run);
          break;
        case 'rolling-back':
        case 'rollback-pending':
          await this.rollback(run);
          break;
        default:
          return true;
      }
      this.logger.log(`run ${runId} (${run.kind}) ended: ${(await this.runs.get(runId))?.state ?? 'gone'}`);
      return true;
    } finally {
      clearInterval(beat);
      await this.runs.release(runId, this.owner).catch(() => undefined);
      this.active.delete(runId);
    }
  }

  private async dispatch(run: ProvisioningRunRecord): Promise<void> {
    switch (run.kind) {
      case 'create':
        return this.create(run);
      case 'remove':
        return this.remove(run);
      case 'pause':
      case 'resume':
        return this.setEnabled(run, run.kind === 'resume');
      case 'rotate-credentials':
        return this.rotate(run);
    }
  }

  /** A run interrupted mid-flight: a create is completed when every step succeeded, else rolled back. */
  private async resumeInterrupted(run: ProvisioningRunRecord): Promise<void> {
    this.logger.warn(`run ${run.id} (${run.kind}) was interrupted; recovering`);
    if (run.kind !== 'create') {
      // remove/pause/resume/rotate are idempotent: run them again from the start.
      return this.dispatch(run);
    }
    const done = (n: ProvisioningStepName): boolean => run.steps.some((s) => s.name === n && s.state === 'done');
    if (done('create-subscription') && done('wait-for-sync')) {
      await this.recordStream(run);
      return;
    }
    await this.fail(run, {
      step: run.steps.at(-1)?.name ?? 'preflight',
      message: 'the provisioner stopped during this run',
      remedy: 'prm rolled back what the run had created; submit the request again',
    });
  }

  // ---------------------------------------------------------------- create

  private async create(run: ProvisioningRunRecord): Promise<void> {
    const req = run.request as unknown as CreateStreamDto;
    let source: EndpointEntity;
    let target: EndpointEntity;
    try {
      source = await this.sessions.endpoint(run.sourceEndpointId ?? '', 'sourceEndpointId');
      target = await this.sessions.endpoint(run.targetEndpointId, 'targetEndpointId');
    } catch (err) {
      await this.finishFailed(run, {
        step: 'preflight',
        message: (err as Error).message,
        remedy: 'Check the endpoint ids',
      });
      return;
    }
    const replicationRef = toCredentialRef(req.replicationCredential as CredentialRefDto);
    const options: SubscriptionOptions = {
      copyData: req.options?.copyData,
      streaming: req.options?.streaming,
      binary: req.options?.binary,
      disableOnError: req.options?.disableOnError,
      origin: req.options?.origin,
      slotName: run.slotName ?? run.subscriptionName,
    };

    // 1. preflight (read-only), again here: the request may come from SQS or have waited in the queue.
    const pre = await this.runs.startStep(run.id, 'preflight');
    const report = await this.preflight(run, source, target, replicationRef, req, options);
    await this.runs.update(run.id, { preflight: report });
    if (!report.ok) {
      const failed = report.checks.filter((c) => c.outcome === 'fail');
      const error: ProvisioningError = {
        step: 'preflight',
        message: `preflight failed: ${failed.map((c) => `${c.title}: ${c.detail}`).join('; ')}`,
        sqlstate: failed.find((c) => c.code && /^[0-9A-Z]{5}$/.test(c.code))?.code,
        remedy:
          failed
            .map((c) => c.fix)
            .filter(Boolean)
            .join(' · ') || 'See the checklist',
      };
      await this.runs.finishStep(run.id, pre, 'failed', {}, error);
      await this.finishFailed(run, error);
      return;
    }
    await this.runs.finishStep(run.id, pre, 'done');
    const tables = report.checks.length > 0 ? (run.request['resolvedTables'] as string[] | undefined) : undefined;

    let src: pg.Client | null = null;
    let tgt: pg.Client | null = null;
    let password = '';
    try {
      // 2. publication (only when prm creates it)
      if (run.createsPublication && run.publicationName) {
        src = await this.sessions.openOrThrow(source);
        const seq = await this.runs.startStep(run.id, 'create-publication', {
          publication: run.publicationName,
          createdByPrm: true,
        });
        try {
          await src.query('BEGIN');
          await src.query(createPublicationSql(run.publicationName, tables ?? []));
          await src.query(
            `COMMENT ON PUBLICATION ${quoteIdent(run.publicationName)} IS ${quoteLiteral(publicationMark(run.id))}`,
          );
          await src.query('COMMIT');
        } catch (err) {
          await src.query('ROLLBACK').catch(() => undefined);
          const e = toProvisioningError('create-publication', err);
          await this.runs.finishStep(run.id, seq, 'failed', {}, e);
          throw new SagaStepError(e);
        }
        await this.runs.finishStep(run.id, seq, 'done');
        await this.pauseForTest('create-publication');
      }

      // 3. subscription; CREATE SUBSCRIPTION connects from the target to the source and creates the slot there.
      tgt = await this.sessions.openOrThrow(target);
      const login = await this.sessions.resolve(replicationRef, source).catch((err: unknown) => {
        throw new SagaStepError(toProvisioningError('create-subscription', err));
      });
      password = login.password;
      const conninfo = buildSubscriptionConninfo({
        host: source.host,
        port: source.port,
        dbname: source.dbname,
        user: login.user,
        password: login.password,
        sslmode: source.sslmode,
      });
      const slot = options.slotName as string;
      const subSeq = await this.runs.startStep(run.id, 'create-subscription', {
        subscription: run.subscriptionName,
        slot,
        createdByPrm: true,
      });
      try {
        await tgt.query(
          createSubscriptionSql({
            name: run.subscriptionName,
            conninfo,
            publications: [run.publicationName as string],
            options,
            serverVersionNum: report.targetVersionNum ?? 0,
          }),
        );
      } catch (err) {
        const e = toProvisioningError('create-subscription', err, [password]);
        await this.runs.finishStep(run.id, subSeq, 'failed', {}, e);
        throw new SagaStepError(e);
      }
      const subid = await subscriptionOid(tgt, run.subscriptionName);
      await this.runs.finishStep(run.id, subSeq, 'done', { subid });
      await this.pauseForTest('create-subscription');

      // 4. wait for the apply worker and the first table sync (bounded)
      const waitSeq = await this.runs.startStep(run.id, 'wait-for-sync');
      try {
        const seen = await this.waitForSync(tgt, subid as number, options.copyData !== false);
        await this.runs.finishStep(run.id, waitSeq, 'done', seen);
      } catch (err) {
        const e = err instanceof SagaStepError ? err.detail : toProvisioningError('wait-for-sync', err, [password]);
        await this.runs.finishStep(run.id, waitSeq, 'failed', {}, e);
        throw new SagaStepError(e);
      }
      await this.pauseForTest('wait-for-sync');
    } catch (err) {
      await closeQuietly(src);
      await closeQuietly(tgt);
      const e =
        err instanceof SagaStepError
          ? err.detail
          : toProvisioningError(run.steps.at(-1)?.name ?? 'preflight', err, [password]);
      await this.fail(run, e);
      return;
    }
    await closeQuietly(src);
    await closeQuietly(tgt);
    // 5. the stream row, events
    await this.recordStream(run);
  }

  /** Runs the read-only preflight for `run` (also used by the API before a run exists). */
  async preflight(
    run: ProvisioningRunRecord,
    source: EndpointEntity,
    target: EndpointEntity,
    replicationRef: CredentialRef,
    req: CreateStreamDto,
    options: SubscriptionOptions,
  ): Promise<PreflightReport> {
    const [s, r, t] = await Promise.all([
      this.sessions.open(source, undefined, 15_000),
      this.sessions.open(source, replicationRef, 15_000),
      this.sessions.open(target, undefined, 15_000),
    ]);
    try {
      const res = await runPreflight({
        source: { ...s, host: source.host, cloud: source.cloud },
        replication: r,
        target: t,
        tables: req.tables ?? null,
        names: {
          publication: run.publicationName as string,
          subscription: run.subscriptionName,
          slot: run.slotName ?? run.subscriptionName,
        },
        useExistingPublication: !run.createsPublication,
        options,
      });
      run.request['resolvedTables'] = res.sourceTables.filter((x) => x.qualified).map((x) => x.qualified);
      return {
        ok: res.ok,
        checks: res.checks,
        notes: res.notes,
        names: {
          publication: run.publicationName as string,
          subscription: run.subscriptionName,
          slot: run.slotName ?? run.subscriptionName,
        },
        createsPublication: run.createsPublication,
        sourceVersionNum: res.sourceVersionNum,
        targetVersionNum: res.targetVersionNum,
      };
    } finally {
      await Promise.all([closeQuietly(s.client), closeQuietly(r.client), closeQuietly(t.client)]);
    }
  }

  /**
   * Polls pg_stat_subscription and pg_subscription_rel every 250 ms until the apply worker runs and (with
   * copy_data) one table has left state `i`, or every table is `r` without copy. Bounded by `waitMs`.
   * @throws SagaStepError (step wait-for-sync) on timeout.
   */
  private async waitForSync(
    tgt: pg.Client,
    subid: number,
    copyData: boolean,
  ): Promise<{ applyPid: number; states: string[] }> {
    const deadline = Date.now() + this.settings.waitMs;
    for (;;) {
      const pid = await applyWorkerPid(tgt, subid);
      const { rows } = await tgt.query<{ s: string }>(
        'SELECT srsubstate::text AS s FROM pg_subscription_rel WHERE srsubid = $1',
        [subid],
      );
      const states = rows.map((x) => x.s);
      const started = copyData ? states.some((x) => x !== 'i') : states.every((x) => x === 'r');
      if (pid !== null && (started || states.length === 0)) return { applyPid: pid, states };
      if (Date.now() > deadline) {
        throw new SagaStepError({
          step: 'wait-for-sync',
          message: `no apply worker or table sync after ${Math.round(this.settings.waitMs / 1000)} s (worker ${pid === null ? 'absent' : 'running'}, table states ${states.join('') || 'none'})`,
          remedy:
            "Check the target's server log for the subscription's worker errors; the target must reach the source, " +
            'and max_logical_replication_workers / max_sync_workers_per_subscription must leave room',
        });
      }
      await sleep(250);
    }
  }

  private async recordStream(run: ProvisioningRunRecord): Promise<void> {
    const seq = await this.runs.startStep(run.id, 'record-stream');
    const streamId = await this.runs.upsertProvisionedStream({
      targetEndpointId: run.targetEndpointId,
      subscriptionName: run.subscriptionName,
      sourceEndpointId: run.sourceEndpointId,
      publications: run.publicationName ? [run.publicationName] : [],
      slotName: run.slotName ?? run.subscriptionName,
    });
    await this.runs.finishStep(run.id, seq, 'done', { streamId });
    await this.runs.update(run.id, { state: 'succeeded', streamId, error: null });
    await this.changed(run, streamId);
  }

  // ---------------------------------------------------------------- rollback

  /** Records the failure and undoes what the run created. */
  private async fail(run: ProvisioningRunRecord, error: ProvisioningError): Promise<void> {
    this.logger.warn(`run ${run.id} failed at ${error.step}: ${error.message}; rolling back`);
    await this.runs.update(run.id, { state: 'rolling-back', error });
    const fresh = (await this.runs.get(run.id)) as ProvisioningRunRecord;
    await this.rollback(fresh);
  }

  private async finishFailed(run: ProvisioningRunRecord, error: ProvisioningError): Promise<void> {
    await this.runs.update(run.id, { state: 'failed', error });
    await this.changed(run, run.streamId);
  }

  /**
   * Undoes a create run, idempotently (each action tolerates "does not exist"): subscription on the target, then
   * slots on the source, then the publication prm created. Ends `rolled-back`, or `rollback-pending` when an end
   * was unreachable (the recovery loop retries).
   */
  async rollback(run: ProvisioningRunRecord): Promise<void> {
    const touched = (n: ProvisioningStepName): Record<string, unknown> | null => {
      const s = run.steps.find(
        (x) => x.name === n && (x.state === 'done' || x.state === 'running' || x.state === 'undone'),
      );
      return s ? s.created : null;
    };
    const sub = touched('create-subscription');
    const pub = touched('create-publication');
    let complete = true;
    let subid = typeof sub?.['subid'] === 'number' ? (sub['subid'] as number) : null;
    const slot = (sub?.['slot'] as string | undefined) ?? run.slotName ?? run.subscriptionName;

    if (sub) {
      const r = await this.undoSubscription(run, run.targetEndpointId, run.subscriptionName);
      if (r.subid !== null) subid = r.subid;
      complete = complete && r.ok;
    }
    // Every action runs even when an earlier one failed (an unreachable target must not keep the slot alive).
    if (sub && run.sourceEndpointId) {
      const ok = await this.undoSlots(run, run.sourceEndpointId, slot, subid);
      complete = complete && ok;
    }
    if (pub && run.publicationName && run.sourceEndpointId) {
      const ok = await this.undoPublication(run, run.sourceEndpointId, run.publicationName);
      complete = complete && ok;
    }
    if (complete) {
      await this.runs.markUndone(run.id);
      await this.runs.update(run.id, { state: 'rolled-back' });
      this.logger.log(`run ${run.id} rolled back`);
    } else {
      await this.runs.update(run.id, { state: 'rollback-pending' });
    }
    await this.changed(run, null);
  }

  /** Records one undo action as a step; returns whether it succeeded. */
  private async undoStep(
    run: ProvisioningRunRecord,
    name: ProvisioningStepName,
    created: Record<string, unknown>,
    fn: () => Promise<Record<string, unknown> | void>,
  ): Promise<boolean> {
    const seq = await this.runs.startStep(run.id, name, created);
    try {
      const out = await fn();
      await this.runs.finishStep(run.id, seq, 'done', out ?? {});
      return true;
    } catch (err) {
      await this.runs.finishStep(run.id, seq, 'failed', {}, toProvisioningError('rollback', err));
      return false;
    }
  }

  /** DISABLE, SET (slot_name = NONE), DROP SUBSCRIPTION on the target (DROP then never connects to the source). */
  private async undoSubscription(
    run: ProvisioningRunRecord,
    targetId: string,
    name: string,
  ): Promise<{ ok: boolean; subid: number | null }> {
    let subid: number | null = null;
    const ok = await this.undoStep(run, 'drop-subscription', { subscription: name }, async () => {
      const target = await this.sessions.endpoint(targetId, 'targetEndpointId');
      const tgt = await this.sessions.openOrThrow(target);
      try {
        subid = await subscriptionOid(tgt, name);
        if (subid === null) return { existed: false };
        await tgt.query(alterSubscriptionEnabledSql(name, false));
        await tgt.query(detachSubscriptionSlotSql(name));
        await tgt.query(dropSubscriptionSql(name));
        return { existed: true, subid };
      } finally {
        await closeQuietly(tgt);
      }
    });
    return { ok, subid };
  }

  /**
   * Drops the subscription's slot and its table-sync slots (`pg_<subid>_sync_%`) on the source, after terminating
   * the walsenders that hold them (pg_drop_replication_slot refuses an active slot with 55006).
   */
  private async undoSlots(
    run: ProvisioningRunRecord,
    sourceId: string,
    slot: string,
    subid: number | null,
  ): Promise<boolean> {
    return this.undoStep(run, 'drop-slot', { slot, syncSlotsOf: subid }, async () => {
      const source = await this.sessions.endpoint(sourceId, 'sourceEndpointId');
      const src = await this.sessions.openOrThrow(source);
      const pattern = subid === null ? null : `pg\\_${subid}\\_sync\\_%`;
      const match = `(slot_name = $1 OR ($2::text IS NOT NULL AND slot_name LIKE $2)) AND slot_type = 'logical'`;
      try {
        const deadline = Date.now() + 15_000;
        for (;;) {
          await src.query(
            `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE ${match} AND active_pid IS NOT NULL`,
            [slot, pattern],
          );
          const { rows } = await src.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_replication_slots WHERE ${match} AND active`,
            [slot, pattern],
          );
          if (rows[0].n === 0 || Date.now() > deadline) break;
          await sleep(100);
        }
        const { rows } = await src.query<{ slot_name: string }>(
          `SELECT slot_name FROM pg_replication_slots WHERE ${match}`,
          [slot, pattern],
        );
        for (const r of rows) {
          await src.query('SELECT pg_drop_replication_slot($1)', [r.slot_name]).catch((err: { code?: string }) => {
            if (err.code !== '42704') throw err; // dropped meanwhile
          });
        }
        return { dropped: rows.map((r) => r.slot_name) };
      } finally {
        await closeQuietly(src);
      }
    });
  }

  /** Drops the publication only when it carries this run's mark (prm created it in this run). */
  private async undoPublication(run: ProvisioningRunRecord, sourceId: string, name: string): Promise<boolean> {
    return this.undoStep(run, 'drop-publication', { publication: name }, async () => {
      const source = await this.sessions.endpoint(sourceId, 'sourceEndpointId');
      const src = await this.sessions.openOrThrow(source);
      try {
        const { rows } = await src.query<{ mark: string | null }>(
          `SELECT obj_description(oid, 'pg_publication') AS mark FROM pg_publication WHERE pubname = $1`,
          [name],
        );
        if (!rows[0]) return { existed: false };
        if (rows[0].mark !== publicationMark(run.id))
          return { existed: true, dropped: false, reason: 'not created by this run' };
        await src.query(dropPublicationSql(name));
        return { existed: true, dropped: true };
      } finally {
        await closeQuietly(src);
      }
    });
  }

  // ---------------------------------------------------------------- remove, pause/resume, rotation

  private async remove(run: ProvisioningRunRecord): Promise<void> {
    const req = run.request as unknown as RemoveRequest;
    const sub = await this.undoSubscription(run, run.targetEndpointId, run.subscriptionName);
    if (!sub.ok) return this.finishFailed(run, this.lastStepError(await this.runs.get(run.id), 'drop-subscription'));
    if (run.sourceEndpointId) {
      const ok = await this.undoSlots(run, run.sourceEndpointId, run.slotName ?? run.subscriptionName, sub.subid);
      if (!ok) return this.finishFailed(run, this.lastStepError(await this.runs.get(run.id), 'drop-slot'));
      if (req.dropPublication && run.publicationName) {
        const ok2 = await this.undoStep(run, 'drop-publication', { publication: run.publicationName }, async () => {
          const source = await this.sessions.endpoint(run.sourceEndpointId as string, 'sourceEndpointId');
          const src = await this.sessions.openOrThrow(source);
          try {
            await src.query(dropPublicationSql(run.publicationName as string));
          } finally {
            await closeQuietly(src);
          }
        });
        if (!ok2) return this.finishFailed(run, this.lastStepError(await this.runs.get(run.id), 'drop-publication'));
      }
    }
    if (run.streamId) await this.runs.deleteStream(run.streamId);
    await this.runs.update(run.id, { state: 'succeeded' });
    await this.changed(run, run.streamId);
  }

  private lastStepError(run: ProvisioningRunRecord | null, step: ProvisioningStepName): ProvisioningError {
    const s = run?.steps.filter((x) => x.state === 'failed').at(-1);
    return s?.error ? { ...s.error, step } : { step, message: 'step failed', remedy: 'Retry' };
  }

  private async setEnabled(run: ProvisioningRunRecord, enabled: boolean): Promise<void> {
    const name: ProvisioningStepName = enabled ? 'enable-subscription' : 'disable-subscription';
    // A pause is recorded before the subscription is disabled, so no poll sees it disabled without the pause (and
    // raises stream-down); the stream shows who paused it. Cleared if the pause fails, and once resumed.
    const pausedBy = typeof run.request['actor'] === 'string' ? run.request['actor'] : 'prm';
    if (!enabled && run.streamId) {
      await this.streams.setPaused(run.streamId, { at: new Date().toISOString(), by: pausedBy });
    }
    const ok = await this.undoStep(run, name, { subscription: run.subscriptionName }, async () => {
      const target = await this.sessions.endpoint(run.targetEndpointId, 'targetEndpointId');
      const tgt = await this.sessions.openOrThrow(target);
      try {
        const subid = await subscriptionOid(tgt, run.subscriptionName);
        if (subid === null)
          throw new SagaStepError({ step: name, message: 'the subscription does not exist', remedy: 'Refresh' });
        await tgt.query(alterSubscriptionEnabledSql(run.subscriptionName, enabled));
        const deadline = Date.now() + this.settings.waitMs;
        for (;;) {
          const pid = await applyWorkerPid(tgt, subid);
          if (enabled ? pid !== null : pid === null) return { applyPid: pid };
          if (Date.now() > deadline) {
            throw new SagaStepError({
              step: name,
              message: enabled ? 'the apply worker did not start' : 'the apply worker did not stop',
              remedy: "Check the target's server log",
            });
          }
          await sleep(250);
        }
      } finally {
        await closeQuietly(tgt);
      }
    });
    if (!ok) {
      if (!enabled && run.streamId) await this.streams.setPaused(run.streamId, null);
      return this.finishFailed(run, this.lastStepError(await this.runs.get(run.id), name));
    }
    if (enabled && run.streamId) await this.streams.setPaused(run.streamId, null);
    await this.runs.update(run.id, { state: 'succeeded' });
    await this.changed(run, run.streamId);
  }

  /** `ALTER SUBSCRIPTION ... CONNECTION` with the current secret value; verified by the apply worker reconnecting. */
  private async rotate(run: ProvisioningRunRecord): Promise<void> {
    const ref = toCredentialRef(run.request['replicationCredential'] as CredentialRefDto);
    const ok = await this.undoStep(run, 'alter-connection', { subscription: run.subscriptionName }, async () => {
      const source = await this.sessions.endpoint(run.sourceEndpointId ?? '', 'sourceEndpointId');
      const target = await this.sessions.endpoint(run.targetEndpointId, 'targetEndpointId');
      const login = await this.sessions.resolve(ref, source);
      const tgt = await this.sessions.openOrThrow(target);
      try {
        const subid = await subscriptionOid(tgt, run.subscriptionName);
        if (subid === null)
          throw new SagaStepError({
            step: 'alter-connection',
            message: 'the subscription does not exist',
            remedy: 'Refresh',
          });
        const before = await applyWorkerPid(tgt, subid);
        const conninfo = buildSubscriptionConninfo({
          host: source.host,
          port: source.port,
          dbname: source.dbname,
          user: login.user,
          password: login.password,
          sslmode: source.sslmode,
        });
        // Compared inside the target: the stored conninfo is never read into prm.
        const same = await tgt.query<{ same: boolean }>(
          'SELECT subconninfo = $2 AS same FROM pg_subscription WHERE oid = $1',
          [subid, conninfo],
        );
        if (same.rows[0]?.same) return { previousPid: before, applyPid: before, verified: 'connection unchanged' };
        await tgt.query(alterSubscriptionConnectionSql(run.subscriptionName, conninfo));
        const { rows } = await tgt.query<{ enabled: boolean }>(
          'SELECT subenabled AS enabled FROM pg_subscription WHERE oid = $1',
          [subid],
        );
        if (!rows[0]?.enabled)
          return { previousPid: before, verified: 'subscription disabled: takes effect on ENABLE' };
        const deadline = Date.now() + this.settings.waitMs;
        for (;;) {
          const pid = await applyWorkerPid(tgt, subid);
          if (pid !== null && pid !== before) return { previousPid: before, applyPid: pid };
          if (Date.now() > deadline) {
            throw new SagaStepError({
              step: 'verify-reconnect',
              message: 'the apply worker did not reconnect with the new credential',
              remedy: "Check the target's server log for authentication errors from the source",
            });
          }
          await sleep(250);
        }
      } finally {
        await closeQuietly(tgt);
      }
    }).catch(() => false);
    if (!ok) return this.finishFailed(run, this.lastStepError(await this.runs.get(run.id), 'alter-connection'));
    await this.runs.update(run.id, { state: 'succeeded' });
    await this.changed(run, run.streamId);
  }

  // ---------------------------------------------------------------- helpers

  /** Tells the console and the monitor: the target's subscriptions (and the source's slots) changed. */
  private async changed(run: ProvisioningRunRecord, streamId: string | null): Promise<void> {
    const at = new Date().toISOString();
    const ids = [run.targetEndpointId, run.sourceEndpointId].filter((x): x is string => !!x);
    for (const endpointId of ids) {
      await this.events
        .emit(EventPattern.EndpointChanged, { type: 'endpoint.changed', endpointId, change: 'updated', at })
        .catch(() => undefined);
    }
    if (streamId) {
      await this.events
        .emit(EventPattern.StreamUpdated, { type: 'stream.updated', streamIds: [streamId], at })
        .catch(() => undefined);
    }
  }

  /** Test hook (PRM_TEST_PAUSE_AFTER_STEP): waits while the pause file exists; inert when not configured. */
  private async pauseForTest(step: ProvisioningStepName): Promise<void> {
    const p = this.settings.testPause;
    if (!p || p.afterStep !== step) return;
    this.logger.warn(`test hook: paused after ${step} while ${p.file} exists`);
    const until = Date.now() + 600_000;
    while (existsSync(p.file) && Date.now() < until) await sleep(100);
  }
}

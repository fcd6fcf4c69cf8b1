import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import {
  type CreateStreamDto,
  CreateStreamDto as CreateStreamDtoClass,
  type CredentialFinding,
  DomainError,
  IDEMPOTENCY_KEY,
  JobName,
  type PreflightReport,
  type ProvisioningJobData,
  type ProvisioningKind,
  type ProvisioningRunView,
  QueueName,
  RotateCredentialsDto,
  type SourceTableView,
  toCredentialRef,
  validatePayload,
} from '@prm/contracts';
import {
  EndpointRepository,
  EndpointStatusRepository,
  ProvisioningRunRepository,
  type ProvisioningRunRecord,
  StreamRepository,
} from '@prm/persistence';
import {
  defaultStreamNames,
  gatherSourceFacts,
  InvalidIdentifierError,
  isReplicable,
  validateIdentifier,
} from '@prm/pg';
import { withCorrelationId } from '@prm/observability';
import { type Queue } from 'bullmq';
import { closeQuietly, EndpointSessions } from './endpoint-sessions.js';
import { ProvisioningSaga } from './provisioning.saga.js';

/** Strips the internal fields of a run record for the API. */
export function toRunView(r: ProvisioningRunRecord): ProvisioningRunView {
  const { request: _request, owner: _owner, ...view } = r;
  return view;
}

/** Where a request came from and its idempotency key. */
export interface SubmitContext {
  idempotencyKey?: string | null;
  via: 'api' | 'sqs';
  /** Who asks, as the audit log names them (the gateway's signed-in caller); recorded on pause/resume runs. */
  actor?: string | null;
}

/** Operations on an existing stream. */
export type StreamOperation = Exclude<ProvisioningKind, 'create'>;

/**
 * Provisioning requests: validates them (same DTOs for the API and SQS), records the run (one per idempotency key)
 * and enqueues the `provisioning-run` job (jobId = run id). Also the read-only preflight, the live table list and
 * the plaintext-password findings.
 */
@Injectable()
export class ProvisioningService {
  private readonly logger = new Logger(ProvisioningService.name);

  constructor(
    private readonly runs: ProvisioningRunRepository,
    private readonly sessions: EndpointSessions,
    private readonly saga: ProvisioningSaga,
    private readonly streams: StreamRepository,
    private readonly endpoints: EndpointRepository,
    private readonly statuses: EndpointStatusRepository,
    @InjectQueue(QueueName.Provisioning) private readonly queue: Queue<ProvisioningJobData>,
  ) {}

  /** Validates a create request and fills the default names. @throws DomainError validation-failed / not-found. */
  private async prepare(body: unknown): Promise<{
    dto: CreateStreamDto;
    names: { publication: string; subscription: string; slot: string };
    createsPublication: boolean;
  }> {
    const dto = validatePayload(CreateStreamDtoClass, body);
    const ref = toCredentialRef(dto.replicationCredential);
    if (ref.kind === 'rds-iam') {
      throw new DomainError('validation-failed', 'invalid replication credential', [
        {
          field: 'replicationCredential.kind',
          reason: 'rds-iam tokens expire in 15 minutes and cannot be stored in a subscription: use aws-secret',
        },
      ]);
    }
    if (dto.sourceEndpointId === dto.targetEndpointId) {
      throw new DomainError('validation-failed', 'source and target are the same endpoint', [
        { field: 'targetEndpointId', reason: 'must differ from sourceEndpointId' },
      ]);
    }
    const source = await this.sessions.endpoint(dto.sourceEndpointId, 'sourceEndpointId');
    const target = await this.sessions.endpoint(dto.targetEndpointId, 'targetEndpointId');
    const defaults = defaultStreamNames(source.name, target.name);
    const names = {
      publication: dto.publicationName ?? defaults.publication,
      subscription: dto.subscriptionName ?? defaults.subscription,
      slot: dto.subscriptionName ?? defaults.subscription,
    };
    for (const [field, value] of [
      ['publicationName', names.publication],
      ['subscriptionName', names.subscription],
    ] as const) {
      try {
        validateIdentifier(value, field);
      } catch (err) {
        if (err instanceof InvalidIdentifierError) {
          throw new DomainError('validation-failed', 'invalid name', [{ field, reason: err.reason }]);
        }
        throw err;
      }
    }
    return { dto, names, createsPublication: dto.useExistingPublication !== true };
  }

  /** Runs the read-only preflight of a create request. */
  async preflight(body: unknown): Promise<PreflightReport> {
    const { dto, names, createsPublication } = await this.prepare(body);
    const source = await this.sessions.endpoint(dto.sourceEndpointId, 'sourceEndpointId');
    const target = await this.sessions.endpoint(dto.targetEndpointId, 'targetEndpointId');
    const draft = {
      publicationName: names.publication,
      subscriptionName: names.subscription,
      slotName: names.slot,
      createsPublication,
      request: {},
    } as ProvisioningRunRecord;
    return this.saga.preflight(draft, source, target, toCredentialRef(dto.replicationCredential), dto, {
      ...dto.options,
      slotName: names.slot,
    });
  }

  private checkKey(key: string | null | undefined): string | null {
    if (key === undefined || key === null || key === '') return null;
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new DomainError('validation-failed', 'invalid Idempotency-Key', [
        { field: 'Idempotency-Key', reason: 'must be 1-128 visible ASCII characters' },
      ]);
    }
    return key;
  }

  /** Records a create run (or returns the one with the same idempotency key) and enqueues it. */
  async submitCreate(body: unknown, ctx: SubmitContext): Promise<{ run: ProvisioningRunView; created: boolean }> {
    const key = this.checkKey(ctx.idempotencyKey);
    if (key) {
      const existing = await this.runs.findByIdempotencyKey(key);
      if (existing) return { run: toRunView(existing), created: false };
    }
    const { dto, names, createsPublication } = await this.prepare(body);
    const busy = await this.runs.findUnfinishedFor(dto.targetEndpointId, names.subscription);
    if (busy) {
      throw new DomainError('conflict', `run ${busy.id} is already working on ${names.subscription}`, [
        { field: 'subscriptionName', reason: 'a provisioning run for this subscription is in progress' },
      ]);
    }
    const { run, created } = await this.runs.create({
      kind: 'create',
      idempotencyKey: key,
      requestedVia: ctx.via,
      streamId: null,
      sourceEndpointId: dto.sourceEndpointId,
      targetEndpointId: dto.targetEndpointId,
      publicationName: names.publication,
      createsPublication,
      subscriptionName: names.subscription,
      slotName: names.slot,
      request: JSON.parse(JSON.stringify(dto)) as Record<string, unknown>,
    });
    if (created) await this.enqueue(run.id);
    this.logSubmitted(run, created, ctx.via);
    return { run: toRunView(run), created };
  }

  /** Records and enqueues a remove/pause/resume/rotate-credentials run of stream `streamId`. */
  async submitOperation(
    kind: StreamOperation,
    streamId: string,
    body: unknown,
    ctx: SubmitContext & { dropPublication?: boolean },
  ): Promise<{ run: ProvisioningRunView; created: boolean }> {
    const key = this.checkKey(ctx.idempotencyKey);
    if (key) {
      const existing = await this.runs.findByIdempotencyKey(key);
      if (existing) return { run: toRunView(existing), created: false };
    }
    const stream = /^[0-9a-f-]{36}$/i.test(streamId) ? await this.streams.get(streamId) : null;
    if (!stream) throw new DomainError('not-found', `stream ${streamId} not found`, [{ reason: 'no such stream' }]);
    const busy = await this.runs.findUnfinishedFor(stream.targetEndpointId, stream.subscriptionName);
    if (busy) {
      throw new DomainError('conflict', `run ${busy.id} is already working on this stream`, [
        { reason: 'a provisioning run for this stream is in progress' },
      ]);
    }
    let request: Record<string, unknown> = { streamId };
    if (kind === 'remove') request = { streamId, dropPublication: ctx.dropPublication === true };
    if (kind === 'pause' || kind === 'resume') request = { streamId, actor: ctx.actor ?? ctx.via };
    if (kind === 'rotate-credentials') {
      const dto = validatePayload(RotateCredentialsDto, body ?? {});
      const credential =
        dto.replicationCredential ?? (await this.runs.latestReplicationCredential(streamId)) ?? undefined;
      if (!credential) {
        throw new DomainError('validation-failed', 'no replication credential known for this stream', [
          {
            field: 'replicationCredential',
            reason: 'the stream was not created by prm: give the replication credential reference to use',
          },
        ]);
      }
      const ref = toCredentialRef(credential as never);
      if (ref.kind === 'rds-iam') {
        throw new DomainError('validation-failed', 'invalid replication credential', [
          { field: 'replicationCredential.kind', reason: 'use aws-secret (or env locally)' },
        ]);
      }
      if (!stream.sourceEndpointId) {
        throw new DomainError('validation-failed', 'the stream has no known source endpoint', [
          { reason: 'add the publisher as an endpoint first' },
        ]);
      }
      request = { streamId, replicationCredential: ref };
    }
    const { run, created } = await this.runs.create({
      kind,
      idempotencyKey: key,
      requestedVia: ctx.via,
      streamId,
      sourceEndpointId: stream.sourceEndpointId,
      targetEndpointId: stream.targetEndpointId,
      publicationName: stream.publications[0] ?? null,
      createsPublication: false,
      subscriptionName: stream.subscriptionName,
      slotName: stream.slotName,
      request,
    });
    if (created) await this.enqueue(run.id);
    this.logSubmitted(run, created, ctx.via);
    return { run: toRunView(run), created };
  }

  private logSubmitted(run: ProvisioningRunRecord, created: boolean, via: SubmitContext['via']): void {
    this.logger.log(
      created
        ? `provisioning run ${run.id} (${run.kind} ${run.subscriptionName}) recorded via ${via}, job enqueued`
        : `provisioning run ${run.id} (${run.kind}) already recorded for this idempotency key (via ${via})`,
    );
  }

  /**
   * Adds the run's job; jobId = run id, so a re-add of a waiting job is a no-op. The job data carries the current
   * correlation id (the HTTP request's or the SQS message's), which the worker binds while the saga runs.
   */
  async enqueue(runId: string): Promise<void> {
    await this.queue.add(JobName.ProvisioningRun, withCorrelationId({ runId }), {
      jobId: runId,
      removeOnComplete: true,
      removeOnFail: false,
    });
  }

  /** @throws DomainError('not-found'). */
  async getRun(id: string): Promise<ProvisioningRunView> {
    const run = await this.runs.get(id);
    if (!run) throw new DomainError('not-found', `provisioning run ${id} not found`, [{ reason: 'no such run' }]);
    return toRunView(run);
  }

  /** Tables of an endpoint, read live (sizes, PK, replica identity). @throws DomainError not-found / unavailable. */
  async listTables(endpointId: string): Promise<SourceTableView[]> {
    const e = await this.sessions.endpoint(endpointId, 'id');
    const s = await this.sessions.open(e, undefined, 15_000);
    if (!s.client) {
      throw new DomainError('unavailable', `cannot read tables of ${e.name}: ${s.cause.message}`, [
        { reason: s.cause.message, code: s.cause.code, remedy: s.cause.remedy },
      ]);
    }
    try {
      const facts = await gatherSourceFacts(s.client, null, { publication: '', slot: '' });
      return facts.tables
        .filter((t) => t.qualified)
        .map((t) => ({
          schema: t.schema as string,
          name: t.name as string,
          qualified: t.qualified as string,
          sizeBytes: t.sizeBytes ?? 0,
          estimatedRows: t.estimatedRows ?? -1,
          hasPrimaryKey: t.hasPrimaryKey,
          replicaIdentity: t.replicaIdentity ?? 'default',
          replicable: isReplicable(t),
        }));
    } finally {
      await closeQuietly(s.client);
    }
  }

  /** Every subscription (prm's or not) whose stored conninfo carries a plaintext password, from the latest polls. */
  async credentialFindings(): Promise<CredentialFinding[]> {
    const [statuses, endpoints, streams] = await Promise.all([
      this.statuses.findAll(),
      this.endpoints.findAll(),
      this.streams.list(),
    ]);
    const names = new Map(endpoints.map((e) => [e.id, e.name]));
    const out: CredentialFinding[] = [];
    for (const st of statuses) {
      for (const sub of st.subscriptions ?? []) {
        if (sub.conninfoHasPassword !== true) continue;
        const stream = streams.find((s) => s.targetEndpointId === st.endpointId && s.subscriptionName === sub.name);
        out.push({
          endpointId: st.endpointId,
          endpointName: names.get(st.endpointId) ?? st.endpointId,
          subscriptionName: sub.name,
          streamId: stream?.id ?? null,
          provisioned: stream?.origin === 'provisioned',
          remedy:
            'The password is stored in pg_subscription on the target (readable by superusers and in backups): keep it ' +
            'in Secrets Manager with rotation, and rotate it here (ALTER SUBSCRIPTION ... CONNECTION) after each change',
        });
      }
    }
    return out;
  }
}

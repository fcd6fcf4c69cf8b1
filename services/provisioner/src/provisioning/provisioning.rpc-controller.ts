import { type ArgumentsHost, Catch, Controller, Logger, type RpcExceptionFilter, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type CredentialFinding,
  DomainError,
  type DomainErrorPayload,
  type PreflightReport,
  ProvisioningPattern,
  type ProvisioningRunView,
  type SourceTableView,
} from '@prm/contracts';
import { runWithMessageCorrelation } from '@prm/observability';
import { type Observable, throwError } from 'rxjs';
import { ProvisioningService, type StreamOperation } from './provisioning.service.js';

/** DomainErrors travel as their payload; anything else as `unavailable` (logged here, never sent). */
@Catch()
export class ProvisioningRpcFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger(ProvisioningRpcFilter.name);

  catch(exception: unknown, _host: ArgumentsHost): Observable<DomainErrorPayload> {
    if (exception instanceof DomainError) return throwError(() => exception.toPayload());
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    return throwError(() => ({ code: 'unavailable', message: 'provisioner error', details: [] }));
  }
}

/** Payload of `provisioning.submit`. */
export interface SubmitPayload {
  kind: 'create' | StreamOperation;
  streamId?: string;
  body?: unknown;
  idempotencyKey?: string | null;
  dropPublication?: boolean;
  /** The signed-in caller as the audit log names them. */
  actor?: string;
}

/**
 * `provisioning.*` request/reply handlers on the Redis bus (asked by the gateway). Each runs with the gateway's
 * correlation id (`correlationId` of the payload, the HTTP request id) bound: its log lines carry it and the job a
 * submit enqueues takes it along to the saga.
 */
@Controller()
@UseFilters(ProvisioningRpcFilter)
export class ProvisioningRpcController {
  constructor(private readonly provisioning: ProvisioningService) {}

  @MessagePattern(ProvisioningPattern.Preflight)
  preflight(@Payload() p: { body: unknown }): Promise<PreflightReport> {
    return runWithMessageCorrelation(p, () => this.provisioning.preflight(p?.body));
  }

  @MessagePattern(ProvisioningPattern.Submit)
  submit(@Payload() p: SubmitPayload): Promise<{ run: ProvisioningRunView; created: boolean }> {
    return runWithMessageCorrelation(p, () => {
      if (p?.kind === 'create') {
        return this.provisioning.submitCreate(p.body, { idempotencyKey: p.idempotencyKey, via: 'api' });
      }
      return this.provisioning.submitOperation(p.kind, String(p.streamId), p.body, {
        idempotencyKey: p.idempotencyKey,
        via: 'api',
        dropPublication: p.dropPublication === true,
        actor: typeof p.actor === 'string' ? p.actor : null,
      });
    });
  }

  @MessagePattern(ProvisioningPattern.GetRun)
  getRun(@Payload() p: { id: string }): Promise<ProvisioningRunView> {
    return runWithMessageCorrelation(p, () => this.provisioning.getRun(String(p?.id)));
  }

  @MessagePattern(ProvisioningPattern.ListTables)
  tables(@Payload() p: { endpointId: string }): Promise<SourceTableView[]> {
    return runWithMessageCorrelation(p, () => this.provisioning.listTables(String(p?.endpointId)));
  }

  @MessagePattern(ProvisioningPattern.CredentialFindings)
  findings(@Payload() p: unknown): Promise<CredentialFinding[]> {
    return runWithMessageCorrelation(p, () => this.provisioning.credentialFindings());
  }
}

import { HttpClient, HttpHeaders } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';

import type { EndpointView } from '../core/contracts';
import type { PreflightReport, ProvisioningRunView, SourceTableView } from '@prm/contracts/provisioning.js';

/** Body of `POST /api/streams` and `/api/streams/preflight` (see CreateStreamDto). */
export interface CreateStreamBody {
  sourceEndpointId: string;
  targetEndpointId: string;
  replicationCredential: { kind: 'aws-secret'; secretArn: string } | { kind: 'env'; user: string; passwordEnv: string };
  tables?: string[];
  publicationName?: string;
  useExistingPublication?: boolean;
  subscriptionName?: string;
  options?: {
    copyData?: boolean;
    streaming?: 'off' | 'on' | 'parallel';
    binary?: boolean;
    disableOnError?: boolean;
    origin?: 'any' | 'none';
  };
}

/** The provisioning endpoints of the prm API: the create-stream wizard's, and pause / resume of a stream. */
@Injectable({ providedIn: 'root' })
export class ProvisioningApi {
  private readonly http = inject(HttpClient);

  endpoints(): Promise<EndpointView[]> {
    return firstValueFrom(this.http.get<EndpointView[]>('/api/endpoints'));
  }

  /** Tables of an endpoint read live (size, primary key, replica identity). */
  tables(endpointId: string): Promise<SourceTableView[]> {
    return firstValueFrom(this.http.get<SourceTableView[]>(`/api/endpoints/${encodeURIComponent(endpointId)}/tables`));
  }

  preflight(body: CreateStreamBody): Promise<PreflightReport> {
    return firstValueFrom(this.http.post<PreflightReport>('/api/streams/preflight', body));
  }

  /** Submits the create; `idempotencyKey` makes a double click (or a retry) create one stream only. */
  create(body: CreateStreamBody, idempotencyKey: string): Promise<ProvisioningRunView> {
    const headers = new HttpHeaders({ 'Idempotency-Key': idempotencyKey });
    return firstValueFrom(this.http.post<ProvisioningRunView>('/api/streams', body, { headers }));
  }

  /**
   * `POST /api/streams/:id/pause|resume` (operator): a provisioning run that disables / enables the subscription and
   * waits for its apply worker to stop / start. One `Idempotency-Key` per call, so a retried request is one run.
   */
  streamOperation(id: string, operation: 'pause' | 'resume'): Promise<ProvisioningRunView> {
    const headers = new HttpHeaders({ 'Idempotency-Key': `console-${operation}-${crypto.randomUUID()}` });
    return firstValueFrom(
      this.http.post<ProvisioningRunView>(`/api/streams/${encodeURIComponent(id)}/${operation}`, null, { headers }),
    );
  }

  run(id: string): Promise<ProvisioningRunView> {
    return firstValueFrom(this.http.get<ProvisioningRunView>(`/api/provisioning/runs/${encodeURIComponent(id)}`));
  }
}

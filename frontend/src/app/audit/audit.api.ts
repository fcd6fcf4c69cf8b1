import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, catchError, throwError } from 'rxjs';

import { toApiError } from '../core/api.client';

/** One `GET /api/audit` record (mirrors `AuditRecord` of libs/persistence/src/audit/audit.repository.ts). */
export interface AuditRecordView {
  /** Increasing id (a bigint as text): `before` pages backwards from it. */
  id: string;
  /** ISO time. */
  at: string;
  actor: string;
  sourceIp: string | null;
  /** `METHOD /route/pattern`, e.g. `POST /api/endpoints`. */
  action: string;
  subject: string | null;
  statusCode: number;
  outcome: 'succeeded' | 'refused' | 'failed';
  /** Request body with secrets redacted and long values cut. */
  payload: unknown;
  correlationId: string | null;
}

/** Query of one audit page: newest first, `limit` 1..500, `before` an id, `actor` an exact actor name. */
export interface AuditQuery {
  limit: number;
  before?: string | null;
  actor?: string | null;
}

/** `GET /api/audit` (admin only). Fails with {@link ApiError}. */
@Injectable({ providedIn: 'root' })
export class AuditApi {
  private readonly http = inject(HttpClient);

  list(query: AuditQuery): Observable<AuditRecordView[]> {
    let params = new HttpParams().set('limit', String(query.limit));
    if (query.before) {
      params = params.set('before', query.before);
    }
    if (query.actor) {
      params = params.set('actor', query.actor);
    }
    return this.http
      .get<AuditRecordView[]>('/api/audit', { params })
      .pipe(catchError((err: unknown) => throwError(() => toApiError(err))));
  }
}

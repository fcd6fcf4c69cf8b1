import { HttpClient, HttpErrorResponse, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, catchError, throwError } from 'rxjs';

import type {
  ApiErrorBody,
  EndpointInput,
  EndpointView,
  LagThresholds,
  StreamDetailView,
  StreamMetricsView,
  StreamView,
  TopologyView,
} from './contracts';

/** `GET /api/streams/:id/thresholds`: the stream's effective thresholds and whether they are its own. */
export interface StreamThresholdsView {
  thresholds: LagThresholds;
  overridden: boolean;
}

/**
 * A non-2xx answer from the prm API (or no answer at all: `status` 0).
 * `body` is the gateway's {@link ApiErrorBody}; when the response was not one (proxy error, network down) a body is
 * synthesised so callers always have `message` and `details`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
    this.name = 'ApiError';
  }
}

function isApiErrorBody(value: unknown): value is ApiErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiErrorBody).message === 'string' &&
    Array.isArray((value as ApiErrorBody).details)
  );
}

/** Maps Angular's HttpErrorResponse to {@link ApiError}. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) {
    return err;
  }
  if (err instanceof HttpErrorResponse) {
    if (isApiErrorBody(err.error)) {
      return new ApiError(err.status, err.error);
    }
    const message =
      err.status === 0 ? 'prm API unreachable (network error or gateway down)' : `HTTP ${err.status} ${err.statusText}`;
    return new ApiError(err.status, { statusCode: err.status, error: err.statusText, message, details: [] });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError(0, { statusCode: 0, error: 'Error', message, details: [] });
}

/**
 * Typed client of the gateway's REST API (same origin, `/api`). Every method fails with {@link ApiError}.
 * Nothing here ever sends or receives a password: credentials are references (ARN, IAM user, env var name).
 */
@Injectable({ providedIn: 'root' })
export class ApiClient {
  private readonly http = inject(HttpClient);

  /** `GET /api/topology`: endpoints as nodes, subscriptions as publisher → subscriber edges. */
  topology(): Observable<TopologyView> {
    return this.http.get<TopologyView>('/api/topology').pipe(catchError(fail));
  }

  /** `GET /api/endpoints`. */
  listEndpoints(): Observable<EndpointView[]> {
    return this.http.get<EndpointView[]>('/api/endpoints').pipe(catchError(fail));
  }

  /** `GET /api/endpoints/:id`. */
  getEndpoint(id: string): Observable<EndpointView> {
    return this.http.get<EndpointView>(`/api/endpoints/${encodeURIComponent(id)}`).pipe(catchError(fail));
  }

  /**
   * `POST /api/endpoints`: 201 with the stored endpoint; 400 (field validation), 409 (name taken) or 422 (live
   * check failed, e.g. `auth-failed`). `force` stores it even though the live check fails (endpoint down today).
   */
  createEndpoint(input: EndpointInput, force = false): Observable<EndpointView> {
    return this.http.post<EndpointView>('/api/endpoints', input, { params: forceParams(force) }).pipe(catchError(fail));
  }

  /** `PATCH /api/endpoints/:id`: same errors as {@link createEndpoint}. */
  updateEndpoint(id: string, patch: Partial<EndpointInput>, force = false): Observable<EndpointView> {
    return this.http
      .patch<EndpointView>(`/api/endpoints/${encodeURIComponent(id)}`, patch, { params: forceParams(force) })
      .pipe(catchError(fail));
  }

  /** `DELETE /api/endpoints/:id` (204). */
  deleteEndpoint(id: string): Observable<void> {
    return this.http.delete<void>(`/api/endpoints/${encodeURIComponent(id)}`).pipe(catchError(fail));
  }

  /** `GET /api/streams`: every stream with state, lag (bytes, seconds), threshold level and backfill. */
  listStreams(): Observable<StreamView[]> {
    return this.http.get<StreamView[]>('/api/streams').pipe(catchError(fail));
  }

  /** `GET /api/streams/:id`: the Stream page (404 for an unknown id). */
  getStream(id: string): Observable<StreamDetailView> {
    return this.http.get<StreamDetailView>(`/api/streams/${encodeURIComponent(id)}`).pipe(catchError(fail));
  }

  /** `GET /api/streams/:id/metrics?from&to&step`: lag and backfill samples; ISO times, `stepSeconds` in seconds. */
  streamMetrics(
    id: string,
    range: { from?: string; to?: string; stepSeconds?: number } = {},
  ): Observable<StreamMetricsView> {
    let params = new HttpParams();
    if (range.from) {
      params = params.set('from', range.from);
    }
    if (range.to) {
      params = params.set('to', range.to);
    }
    if (range.stepSeconds) {
      params = params.set('step', String(range.stepSeconds));
    }
    return this.http
      .get<StreamMetricsView>(`/api/streams/${encodeURIComponent(id)}/metrics`, { params })
      .pipe(catchError(fail));
  }

  /** `GET /api/thresholds`: global lag thresholds (bytes, seconds; null = not set). */
  globalThresholds(): Observable<LagThresholds> {
    return this.http.get<LagThresholds>('/api/thresholds').pipe(catchError(fail));
  }

  /** `PUT /api/thresholds`: 400 with field details when a value is negative or warning > critical. */
  putGlobalThresholds(thresholds: LagThresholds): Observable<LagThresholds> {
    return this.http.put<LagThresholds>('/api/thresholds', thresholds).pipe(catchError(fail));
  }

  /** `GET /api/streams/:id/thresholds`. */
  streamThresholds(id: string): Observable<StreamThresholdsView> {
    return this.http
      .get<StreamThresholdsView>(`/api/streams/${encodeURIComponent(id)}/thresholds`)
      .pipe(catchError(fail));
  }

  /** `PUT /api/streams/:id/thresholds`: this stream's own thresholds (override of the global defaults). */
  putStreamThresholds(id: string, thresholds: LagThresholds): Observable<StreamThresholdsView> {
    return this.http
      .put<StreamThresholdsView>(`/api/streams/${encodeURIComponent(id)}/thresholds`, thresholds)
      .pipe(catchError(fail));
  }

  /** `DELETE /api/streams/:id/thresholds`: back to the global defaults. */
  deleteStreamThresholds(id: string): Observable<StreamThresholdsView> {
    return this.http
      .delete<StreamThresholdsView>(`/api/streams/${encodeURIComponent(id)}/thresholds`)
      .pipe(catchError(fail));
  }
}

function forceParams(force: boolean): HttpParams {
  return force ? new HttpParams().set('force', 'true') : new HttpParams();
}

function fail(err: unknown): Observable<never> {
  return throwError(() => toApiError(err));
}

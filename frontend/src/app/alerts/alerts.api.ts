import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, catchError, throwError } from 'rxjs';

import type {
  AlertDetailView,
  AlertKind,
  AlertState,
  AlertView,
  ChannelKind,
  ChannelView,
  SilenceView,
} from '@prm/contracts/alert.js';
import { toApiError } from '../core/api.client';

const fail = (err: unknown) => throwError(() => toApiError(err));

/** Body of `POST /api/silences`. */
export interface SilenceInput {
  alertId?: string;
  kind?: AlertKind;
  subjectId?: string;
  minutes?: number;
  until?: string;
  reason: string;
}

/** Result of `POST /api/channels/:id/test`. */
export interface ChannelTestResult {
  ok: boolean;
  error: string | null;
  durationMs: number;
}

/** The alerting API (`/api/alerts`, `/api/silences`, `/api/channels`); every method fails with `ApiError`. */
@Injectable({ providedIn: 'root' })
export class AlertsApi {
  private readonly http = inject(HttpClient);

  list(filter: { state?: AlertState | null; kind?: AlertKind | null } = {}): Observable<AlertView[]> {
    let params = new HttpParams().set('limit', 500);
    if (filter.state) params = params.set('state', filter.state);
    if (filter.kind) params = params.set('kind', filter.kind);
    return this.http.get<AlertView[]>('/api/alerts', { params }).pipe(catchError(fail));
  }

  get(id: string): Observable<AlertDetailView> {
    return this.http.get<AlertDetailView>(`/api/alerts/${encodeURIComponent(id)}`).pipe(catchError(fail));
  }

  acknowledge(id: string, by = 'console'): Observable<AlertView> {
    return this.http.post<AlertView>(`/api/alerts/${encodeURIComponent(id)}/ack`, { by }).pipe(catchError(fail));
  }

  silences(): Observable<SilenceView[]> {
    return this.http.get<SilenceView[]>('/api/silences').pipe(catchError(fail));
  }

  silence(input: SilenceInput): Observable<SilenceView> {
    return this.http.post<SilenceView>('/api/silences', input).pipe(catchError(fail));
  }

  unsilence(id: string): Observable<void> {
    return this.http.delete<void>(`/api/silences/${encodeURIComponent(id)}`).pipe(catchError(fail));
  }

  channels(): Observable<ChannelView[]> {
    return this.http.get<ChannelView[]>('/api/channels').pipe(catchError(fail));
  }

  createChannel(input: {
    name: string;
    kind: ChannelKind;
    enabled?: boolean;
    config: Record<string, unknown>;
  }): Observable<ChannelView> {
    return this.http.post<ChannelView>('/api/channels', input).pipe(catchError(fail));
  }

  updateChannel(
    id: string,
    patch: { name?: string; enabled?: boolean; config?: Record<string, unknown> },
  ): Observable<ChannelView> {
    return this.http.patch<ChannelView>(`/api/channels/${encodeURIComponent(id)}`, patch).pipe(catchError(fail));
  }

  deleteChannel(id: string): Observable<void> {
    return this.http.delete<void>(`/api/channels/${encodeURIComponent(id)}`).pipe(catchError(fail));
  }

  testChannel(id: string): Observable<ChannelTestResult> {
    return this.http.post<ChannelTestResult>(`/api/channels/${encodeURIComponent(id)}/test`, {}).pipe(catchError(fail));
  }
}

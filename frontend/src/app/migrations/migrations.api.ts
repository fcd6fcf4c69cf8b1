import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, catchError, throwError } from 'rxjs';

import type { MigrationPreview, MigrationRunSummary, MigrationRunView } from '@prm/contracts/migration.js';
import { toApiError } from '../core/api.client';

/** Body of `POST /api/migrations` and `/preview` (mirrors `SubmitMigrationDto`). Timeouts in ms. */
export interface MigrationInput {
  name: string;
  sql: string;
  targets: string[];
  includePrimaries: boolean;
  dryRun: boolean;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

const fail = (err: unknown) => throwError(() => toApiError(err));

/** The migrations API (`/api/migrations`); every method fails with `ApiError`. */
@Injectable({ providedIn: 'root' })
export class MigrationsApi {
  private readonly http = inject(HttpClient);

  preview(input: MigrationInput): Observable<MigrationPreview> {
    return this.http.post<MigrationPreview>('/api/migrations/preview', input).pipe(catchError(fail));
  }

  /** Queues a run; 409 (ApiError) when one is queued or running. */
  submit(input: MigrationInput): Observable<MigrationRunSummary> {
    return this.http.post<MigrationRunSummary>('/api/migrations', input).pipe(catchError(fail));
  }

  list(): Observable<MigrationRunSummary[]> {
    return this.http.get<MigrationRunSummary[]>('/api/migrations').pipe(catchError(fail));
  }

  get(id: string): Observable<MigrationRunView> {
    return this.http.get<MigrationRunView>(`/api/migrations/${encodeURIComponent(id)}`).pipe(catchError(fail));
  }
}

/**
 * Decodes an uploaded file's bytes as UTF-8, refusing invalid sequences (the server checks raw uploads the same
 * way). Returns null when the bytes are not valid UTF-8.
 */
export function decodeUtf8(bytes: ArrayBuffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

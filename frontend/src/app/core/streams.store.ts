import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { EMPTY, Subject, catchError, debounceTime, map, merge, startWith, switchMap, tap } from 'rxjs';

import { ApiClient, ApiError } from './api.client';
import type { StreamView } from './contracts';
import { LiveUpdatesService } from './live-updates.service';
import { REFETCH_DEBOUNCE_MS } from './topology.store';

/**
 * The latest `GET /api/streams`, refetched (debounced, {@link REFETCH_DEBOUNCE_MS}) on every push
 * (`stream.updated`, `status.updated`, `endpoint.changed`) and after every WebSocket (re)connect. Shared by the
 * Streams page and the topology map (edge labels: lag and threshold level).
 */
@Injectable({ providedIn: 'root' })
export class StreamsStore {
  private readonly api = inject(ApiClient);
  private readonly live = inject(LiveUpdatesService);
  private readonly listSignal = signal<StreamView[] | null>(null);
  private readonly errorSignal = signal<ApiError | null>(null);
  private readonly manual = new Subject<void>();

  /** Streams as the API returned them; null until the first answer. */
  readonly streams = this.listSignal.asReadonly();
  /** Last fetch error; cleared by the next successful fetch. */
  readonly error = this.errorSignal.asReadonly();
  /** Streams by `<targetEndpointId>:<subscription>` (the topology edge id). */
  readonly byEdgeId = computed(
    () =>
      new Map<string, StreamView>(
        (this.listSignal() ?? []).map((s) => [`${s.targetEndpointId}:${s.subscription}`, s] as const),
      ),
  );

  constructor() {
    const subscription = merge(this.live.triggers$.pipe(map(() => undefined)), this.manual)
      .pipe(
        startWith(undefined),
        debounceTime(REFETCH_DEBOUNCE_MS),
        switchMap(() =>
          this.api.listStreams().pipe(
            tap((list) => {
              this.listSignal.set(list);
              this.errorSignal.set(null);
            }),
            catchError((err: ApiError) => {
              this.errorSignal.set(err);
              return EMPTY;
            }),
          ),
        ),
      )
      .subscribe();
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
  }

  /** Asks for a refetch (debounced like pushes). */
  refresh(): void {
    this.manual.next();
  }
}

import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { EMPTY, Subject, catchError, debounceTime, filter, merge, startWith, switchMap, tap } from 'rxjs';

import { ApiClient, ApiError } from '../core/api.client';
import type { EndpointView } from '../core/contracts';
import { LiveUpdatesService } from '../core/live-updates.service';
import { REFETCH_DEBOUNCE_MS } from '../core/topology.store';

/**
 * `GET /api/endpoints`, refetched (debounced) on `endpoint.changed` pushes, on WebSocket (re)connect and after
 * every change made from this console.
 */
@Injectable({ providedIn: 'root' })
export class EndpointsStore {
  private readonly api = inject(ApiClient);
  private readonly live = inject(LiveUpdatesService);
  private readonly listSignal = signal<EndpointView[] | null>(null);
  private readonly errorSignal = signal<ApiError | null>(null);
  private readonly manual = new Subject<void>();

  /** Endpoints sorted by name; null until the first answer. */
  readonly endpoints = this.listSignal.asReadonly();
  /** Last fetch error; cleared by the next successful fetch. */
  readonly error = this.errorSignal.asReadonly();

  constructor() {
    const pushes = this.live.triggers$.pipe(
      filter((t) => t.kind === 'connected' || t.message.type === 'endpoint.changed'),
    );
    const subscription = merge(pushes, this.manual)
      .pipe(
        startWith(undefined),
        debounceTime(REFETCH_DEBOUNCE_MS),
        switchMap(() =>
          this.api.listEndpoints().pipe(
            tap((list) => {
              this.listSignal.set([...list].sort((a, b) => a.name.localeCompare(b.name)));
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

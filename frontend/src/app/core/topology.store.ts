import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { EMPTY, Subject, catchError, debounceTime, map, merge, startWith, switchMap, tap } from 'rxjs';

import { ApiClient, ApiError } from './api.client';
import type { TopologyNode, TopologyView } from './contracts';
import { LiveUpdatesService } from './live-updates.service';

/** Pushes arriving within this window cause one refetch, ms. */
export const REFETCH_DEBOUNCE_MS = 200;

/**
 * The latest `GET /api/topology`, refetched (debounced) on every `status.updated` / `endpoint.changed` push and
 * after every WebSocket (re)connect. Shared by the Topology page (graph) and the Endpoints page (status column).
 */
@Injectable({ providedIn: 'root' })
export class TopologyStore {
  private readonly api = inject(ApiClient);
  private readonly live = inject(LiveUpdatesService);
  private readonly viewSignal = signal<TopologyView | null>(null);
  private readonly errorSignal = signal<ApiError | null>(null);
  private readonly manual = new Subject<void>();

  /** Last topology received; null until the first answer. */
  readonly view = this.viewSignal.asReadonly();
  /** Last fetch error; cleared by the next successful fetch. */
  readonly error = this.errorSignal.asReadonly();
  /** Nodes by endpoint id. */
  readonly nodesById = computed(() => new Map((this.viewSignal()?.nodes ?? []).map((n) => [n.id, n] as const)));

  constructor() {
    const subscription = merge(this.live.triggers$.pipe(map(() => undefined)), this.manual)
      .pipe(
        startWith(undefined),
        debounceTime(REFETCH_DEBOUNCE_MS),
        switchMap(() =>
          this.api.topology().pipe(
            tap({
              next: (view) => {
                this.viewSignal.set(view);
                this.errorSignal.set(null);
              },
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

  /** The node of an endpoint, if the topology knows it. */
  node(endpointId: string): TopologyNode | undefined {
    return this.nodesById().get(endpointId);
  }
}

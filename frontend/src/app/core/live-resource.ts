import { DestroyRef, type Signal, inject, signal } from '@angular/core';
import {
  EMPTY,
  type Observable,
  Subject,
  catchError,
  debounceTime,
  filter,
  merge,
  startWith,
  switchMap,
  tap,
} from 'rxjs';

import type { ApiError } from './api.client';
import { type LiveTrigger, LiveUpdatesService } from './live-updates.service';

/** Pushes arriving within this window cause one refetch, ms. */
export const REFETCH_DEBOUNCE_MS = 200;

/** A server resource kept fresh by live pushes: the last value, the last error, and a manual refetch. */
export interface LiveResource<T> {
  /** Last value received; null until the first answer. */
  readonly value: Signal<T | null>;
  /** Last fetch error; cleared by the next successful fetch. */
  readonly error: Signal<ApiError | null>;
  /** Asks for a refetch (debounced like pushes). */
  refresh(): void;
}

/**
 * Fetches once, then again (debounced by {@link REFETCH_DEBOUNCE_MS}; an in-flight fetch is cancelled by a newer
 * one) on every live push that `relevant` accepts — by default all of them, including each WebSocket (re)connect —
 * and on `refresh()`. Call it in an injection context (a field initializer of a service or component).
 */
export function liveResource<T>(
  fetch: () => Observable<T>,
  relevant: (trigger: LiveTrigger) => boolean = () => true,
): LiveResource<T> {
  const live = inject(LiveUpdatesService);
  const value = signal<T | null>(null);
  const error = signal<ApiError | null>(null);
  const manual = new Subject<void>();
  const subscription = merge(live.triggers$.pipe(filter(relevant)), manual)
    .pipe(
      startWith(undefined),
      debounceTime(REFETCH_DEBOUNCE_MS),
      switchMap(() =>
        fetch().pipe(
          tap((v) => {
            value.set(v);
            error.set(null);
          }),
          catchError((err: ApiError) => {
            error.set(err);
            return EMPTY;
          }),
        ),
      ),
    )
    .subscribe();
  inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
  return { value: value.asReadonly(), error: error.asReadonly(), refresh: () => manual.next() };
}

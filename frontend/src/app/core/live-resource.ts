import { DestroyRef, type Signal, inject, signal } from '@angular/core';
import {
  EMPTY,
  type Observable,
  Subject,
  type Subscription,
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
  /** Asks for a refetch (paced like pushes). */
  refresh(): void;
}

/**
 * How triggers are turned into fetches.
 * - `debounce` (default): a burst of triggers causes one fetch {@link REFETCH_DEBOUNCE_MS} after its last trigger;
 *   an in-flight fetch is cancelled by a newer one.
 * - `immediate`: a trigger fetches at once; triggers that arrive while a fetch is in flight cause exactly one more
 *   fetch when it completes (never cancelled, never more than one queued). For pushes the gateway already coalesces
 *   (`status.updated`: one message per 250 ms window) a client-side wait only delays the repaint, and the first fetch
 *   starts without the debounce delay.
 */
export type LiveResourcePacing = 'debounce' | 'immediate';

/**
 * Fetches once, then again on every live push that `relevant` accepts — by default all of them, including each
 * WebSocket (re)connect — and on `refresh()`, paced by `pacing` ({@link LiveResourcePacing}). Call it in an injection
 * context (a field initializer of a service or component); fetching stops when that context is destroyed.
 */
export function liveResource<T>(
  fetch: () => Observable<T>,
  relevant: (trigger: LiveTrigger) => boolean = () => true,
  pacing: LiveResourcePacing = 'debounce',
): LiveResource<T> {
  const live = inject(LiveUpdatesService);
  const value = signal<T | null>(null);
  const error = signal<ApiError | null>(null);
  const manual = new Subject<void>();
  const fetchOnce = () =>
    fetch().pipe(
      tap((v) => {
        value.set(v);
        error.set(null);
      }),
      catchError((err: ApiError) => {
        error.set(err);
        return EMPTY;
      }),
    );
  const triggers = merge(live.triggers$.pipe(filter(relevant)), manual).pipe(startWith(undefined));
  const stop: Subscription =
    pacing === 'immediate'
      ? subscribeImmediate(triggers, fetchOnce)
      : triggers.pipe(debounceTime(REFETCH_DEBOUNCE_MS), switchMap(fetchOnce)).subscribe();
  inject(DestroyRef).onDestroy(() => stop.unsubscribe());
  return { value: value.asReadonly(), error: error.asReadonly(), refresh: () => manual.next() };
}

/**
 * `immediate` pacing: one fetch at a time, the first trigger starts it, any number of triggers during it queue one
 * follow-up. Unsubscribing the result stops the triggers and cancels the fetch in flight.
 */
function subscribeImmediate(triggers: Observable<unknown>, fetchOnce: () => Observable<unknown>): Subscription {
  let inFlight: Subscription | null = null;
  let again = false;
  const start = (): void => {
    inFlight = fetchOnce().subscribe({
      complete: () => {
        if (again) {
          again = false;
          start();
        }
      },
    });
  };
  const subscription = triggers.subscribe(() => {
    if (inFlight && !inFlight.closed) {
      again = true;
    } else {
      start();
    }
  });
  subscription.add(() => inFlight?.unsubscribe());
  return subscription;
}

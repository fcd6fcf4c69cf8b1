import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { Observable, Subject } from 'rxjs';

import { AuthService } from './auth.service';
import type { LiveMessage } from './contracts';

/** `live`: socket open; `connecting`: first attempt; `reconnecting`: lost, retrying with backoff. */
export type LiveState = 'connecting' | 'live' | 'reconnecting';

/** Why the console should refetch: a pushed change, or a (re)connect after which pushes may have been missed. */
export type LiveTrigger = { kind: 'message'; message: LiveMessage } | { kind: 'connected' };

/** Close code of the gateway's `/ws` when the connection carries no valid session or token. */
export const WS_CLOSE_UNAUTHENTICATED = 4401;

/** First retry delay and cap of the exponential reconnect backoff, ms. */
export const RECONNECT_BASE_MS = 500;
export const RECONNECT_MAX_MS = 10_000;

/** Reconnect delay for attempt `n` (0-based), ms: base·2ⁿ capped at the max, with ±20 % jitter. */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const raw = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** attempt);
  return Math.round(raw * (0.8 + 0.4 * random()));
}

/**
 * The gateway's WebSocket push at `/ws` (same origin, JSON text frames of {@link LiveMessage}).
 * Pushes are hints to refetch, never data: every (re)connect emits `connected` so views refetch what they missed.
 * Reconnects forever with {@link reconnectDelayMs}; {@link state} drives the toolbar indicator. A close with
 * {@link WS_CLOSE_UNAUTHENTICATED} makes {@link AuthService.recheck} ask whether the session ended (then the console
 * goes to the login page) before retrying.
 */
@Injectable({ providedIn: 'root' })
export class LiveUpdatesService {
  private readonly stateSignal = signal<LiveState>('connecting');
  private readonly triggers = new Subject<LiveTrigger>();
  private readonly auth = inject(AuthService);
  private socket: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  /** Connection state for the "live / reconnecting" indicator. */
  readonly state = this.stateSignal.asReadonly();
  /** Refetch triggers: `status.updated`, `stream.updated`, `endpoint.changed` and every successful (re)connect. */
  readonly triggers$: Observable<LiveTrigger> = this.triggers.asObservable();

  constructor() {
    inject(DestroyRef).onDestroy(() => this.stop());
    this.connect();
  }

  private connect(): void {
    if (this.stopped) {
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/ws`);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.stateSignal.set('live');
      this.triggers.next({ kind: 'connected' });
    };
    socket.onmessage = (event: MessageEvent) => {
      const message = parseLiveMessage(event.data);
      if (message) {
        this.triggers.next({ kind: 'message', message });
      }
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) {
        return;
      }
      this.socket = null;
      if (event.code === WS_CLOSE_UNAUTHENTICATED) {
        this.stateSignal.set('reconnecting');
        void this.auth.recheck().then((signedIn) => {
          if (signedIn) {
            this.scheduleReconnect();
          }
        });
        return;
      }
      this.scheduleReconnect();
    };
    // An error is always followed by close; the backoff is scheduled there.
    socket.onerror = () => undefined;
  }

  private scheduleReconnect(): void {
    if (this.stopped) {
      return;
    }
    this.stateSignal.set('reconnecting');
    const delay = reconnectDelayMs(this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private stop(): void {
    this.stopped = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
    }
    this.socket?.close();
    this.socket = null;
  }
}

/** Parses one text frame; anything that is not a known {@link LiveMessage} is ignored (returns null). */
export function parseLiveMessage(data: unknown): LiveMessage | null {
  if (typeof data !== 'string') {
    return null;
  }
  try {
    const parsed = JSON.parse(data) as { type?: unknown };
    if (
      parsed.type === 'hello' ||
      parsed.type === 'status.updated' ||
      parsed.type === 'endpoint.changed' ||
      parsed.type === 'stream.updated' ||
      parsed.type === 'migration.progress' ||
      parsed.type === 'alert.changed'
    ) {
      return parsed as LiveMessage;
    }
  } catch {
    // not JSON: ignore
  }
  return null;
}

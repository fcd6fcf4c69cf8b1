import type { IncomingMessage } from 'node:http';
import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import { type OnGatewayConnection, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { LiveMessage } from '@prm/contracts';
import type { Server, WebSocket } from 'ws';
import { type AuthEnv, corsOrigins } from '../auth/auth.env.js';
import { AUTH_SETTINGS, AuthService } from '../auth/auth.service.js';

/** Close code for a WebSocket that did not authenticate (4000-4999 are application codes; 4401 mirrors HTTP 401). */
export const WS_UNAUTHORIZED = 4401;
/** Close code for a WebSocket opened from a page of another origin (cross-site WebSocket hijacking). */
export const WS_FORBIDDEN_ORIGIN = 4403;

/** Coalescing window for `status.updated` and `stream.updated`: one poll tick updates everything within a few ms. */
const STATUS_DEBOUNCE_MS = 250;

/**
 * Live push to consoles at `/ws` (JSON text frames, see `LiveMessage`). Status updates from many endpoints (and
 * stream updates from many streams) are merged into one message per {@link STATUS_DEBOUNCE_MS}; consoles refetch
 * what they show. Every message is viewer-level: a connection must authenticate like an HTTP request (session
 * cookie, API token, or ALB header) and come from our own origin (or PRM_CORS_ORIGINS), else it is closed with
 * {@link WS_UNAUTHORIZED} / {@link WS_FORBIDDEN_ORIGIN} and receives nothing.
 */
@WebSocketGateway({ path: '/ws' })
export class LiveGateway implements OnGatewayConnection, OnModuleDestroy {
  private readonly logger = new Logger(LiveGateway.name);
  private pendingStatus = new Set<string>();
  private pendingStreams = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private streamTimer: NodeJS.Timeout | null = null;

  private readonly authorized = new WeakSet<WebSocket>();
  private readonly origins: string[];

  @WebSocketServer()
  server: Server;

  constructor(
    private readonly auth: AuthService,
    @Inject(AUTH_SETTINGS) settings: AuthEnv,
  ) {
    this.origins = corsOrigins(settings);
  }

  async handleConnection(client: WebSocket, request: IncomingMessage): Promise<void> {
    const origin = request.headers.origin;
    if (origin && !this.originAllowed(origin, request.headers.host)) {
      client.close(WS_FORBIDDEN_ORIGIN, 'origin not allowed');
      return;
    }
    const principal = await this.auth.authenticate(request).catch(() => null);
    if (!principal) {
      client.close(WS_UNAUTHORIZED, 'sign in first');
      return;
    }
    this.authorized.add(client);
    this.sendTo(client, { type: 'hello', at: new Date().toISOString() });
  }

  /** Queues endpoint ids whose status changed; flushed after the debounce window. */
  statusUpdated(endpointIds: string[]): void {
    for (const id of endpointIds) this.pendingStatus.add(id);
    this.timer ??= setTimeout(() => this.flushStatus(), STATUS_DEBOUNCE_MS);
  }

  /** Queues stream ids whose status (or thresholds) changed; flushed after the debounce window. */
  streamUpdated(streamIds: string[]): void {
    if (streamIds.length === 0) return;
    for (const id of streamIds) this.pendingStreams.add(id);
    this.streamTimer ??= setTimeout(() => this.flushStreams(), STATUS_DEBOUNCE_MS);
  }

  broadcast(message: LiveMessage): void {
    if (!this.server) return;
    for (const client of this.server.clients) if (this.authorized.has(client)) this.sendTo(client, message);
  }

  onModuleDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.streamTimer) clearTimeout(this.streamTimer);
  }

  private flushStreams(): void {
    this.streamTimer = null;
    const streamIds = [...this.pendingStreams];
    this.pendingStreams = new Set();
    this.broadcast({ type: 'stream.updated', streamIds, at: new Date().toISOString() });
  }

  private flushStatus(): void {
    this.timer = null;
    const endpointIds = [...this.pendingStatus];
    this.pendingStatus = new Set();
    if (endpointIds.length > 0) this.broadcast({ type: 'status.updated', endpointIds, at: new Date().toISOString() });
  }

  private originAllowed(origin: string, host: string | undefined): boolean {
    if (this.origins.includes(origin)) return true;
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }

  private sendTo(client: WebSocket, message: LiveMessage): void {
    if (client.readyState !== client.OPEN) return;
    client.send(JSON.stringify(message), (err) => {
      if (err) this.logger.debug(`live push failed: ${err.message}`);
    });
  }
}

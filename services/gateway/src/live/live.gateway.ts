import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { type OnGatewayConnection, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { LiveMessage } from '@prm/contracts';
import type { Server, WebSocket } from 'ws';

/** Coalescing window for `status.updated` and `stream.updated`: one poll tick updates everything within a few ms. */
const STATUS_DEBOUNCE_MS = 250;

/**
 * Live push to consoles at `/ws` (JSON text frames, see `LiveMessage`). Status updates from many endpoints (and
 * stream updates from many streams) are merged into one message per {@link STATUS_DEBOUNCE_MS}; consoles refetch
 * what they show.
 */
@WebSocketGateway({ path: '/ws' })
export class LiveGateway implements OnGatewayConnection, OnModuleDestroy {
  private readonly logger = new Logger(LiveGateway.name);
  private pendingStatus = new Set<string>();
  private pendingStreams = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private streamTimer: NodeJS.Timeout | null = null;

  @WebSocketServer()
  server: Server;

  handleConnection(client: WebSocket): void {
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
    for (const client of this.server.clients) this.sendTo(client, message);
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

  private sendTo(client: WebSocket, message: LiveMessage): void {
    if (client.readyState !== client.OPEN) return;
    client.send(JSON.stringify(message), (err) => {
      if (err) this.logger.debug(`live push failed: ${err.message}`);
    });
  }
}

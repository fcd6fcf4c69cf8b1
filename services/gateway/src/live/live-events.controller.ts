import { Controller } from '@nestjs/common';
import { EventPattern as OnEvent, Payload } from '@nestjs/microservices';
import { EventPattern, type LiveMessage } from '@prm/contracts';
import { LiveGateway } from './live.gateway.js';

/** Bus events (from monitor and config) relayed to the consoles. */
@Controller()
export class LiveEventsController {
  constructor(private readonly live: LiveGateway) {}

  @OnEvent(EventPattern.StatusUpdated)
  statusUpdated(@Payload() p: { endpointIds?: unknown; endpointId?: unknown }): void {
    const ids = Array.isArray(p?.endpointIds) ? p.endpointIds : [p?.endpointId];
    this.live.statusUpdated(ids.filter((id): id is string => typeof id === 'string'));
  }

  @OnEvent(EventPattern.StreamUpdated)
  streamUpdated(@Payload() p: { streamIds?: unknown }): void {
    const ids = Array.isArray(p?.streamIds) ? p.streamIds : [];
    this.live.streamUpdated(ids.filter((id): id is string => typeof id === 'string'));
  }

  @OnEvent(EventPattern.MigrationProgress)
  migrationProgress(@Payload() message: LiveMessage): void {
    if (message?.type === 'migration.progress') this.live.broadcast(message);
  }

  @OnEvent(EventPattern.AlertChanged)
  alertChanged(@Payload() message: LiveMessage): void {
    if (message?.type === 'alert.changed') this.live.broadcast(message);
  }

  @OnEvent(EventPattern.EndpointChanged)
  endpointChanged(@Payload() message: LiveMessage): void {
    if (message?.type === 'endpoint.changed') this.live.broadcast(message);
  }
}

import { Controller } from '@nestjs/common';
import { EventPattern as OnEvent, Payload } from '@nestjs/microservices';
import { EventPattern, type LiveMessage } from '@prm/contracts';
import { StreamsService } from '../streams/streams.service.js';
import { TopologyService } from '../topology/topology.controller.js';
import { LiveGateway } from './live.gateway.js';

/**
 * Bus events (from monitor and config) relayed to the consoles; they also invalidate the gateway's read models
 * (topology, stream list) before the consoles hear of them, so a console's refetch sees the change.
 */
@Controller()
export class LiveEventsController {
  constructor(
    private readonly live: LiveGateway,
    private readonly topology: TopologyService,
    private readonly streams: StreamsService,
  ) {}

  @OnEvent(EventPattern.StatusUpdated)
  statusUpdated(@Payload() p: { endpointIds?: unknown; endpointId?: unknown }): void {
    const ids = (Array.isArray(p?.endpointIds) ? p.endpointIds : [p?.endpointId]).filter(
      (id): id is string => typeof id === 'string',
    );
    // An event that names no endpoint refreshes the whole topology.
    this.topology.invalidate(ids.length > 0 ? { endpointIds: ids } : 'all');
    this.live.statusUpdated(ids);
  }

  @OnEvent(EventPattern.StreamUpdated)
  streamUpdated(@Payload() p: { streamIds?: unknown }): void {
    const ids = (Array.isArray(p?.streamIds) ? p.streamIds : []).filter((id): id is string => typeof id === 'string');
    // An event that names no stream refreshes the whole list.
    this.streams.invalidate(ids.length > 0 ? { streamIds: ids } : 'all');
    this.live.streamUpdated(ids);
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
    this.topology.invalidate('all');
    this.streams.invalidate('all');
    if (message?.type === 'endpoint.changed') this.live.broadcast(message);
  }
}

import { Controller, Get, Injectable } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TopologyView } from '@prm/contracts';
import { buildTopology } from '@prm/monitor-service';
import { EndpointRepository, EndpointStatusRepository, toEndpointView } from '@prm/persistence';
import { RequireRole } from '@prm/observability';

/** Reads endpoints and their latest snapshots and derives the topology (nodes, stream edges, reachability). */
@Injectable()
export class TopologyService {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly statuses: EndpointStatusRepository,
  ) {}

  async get(): Promise<TopologyView> {
    const [endpoints, statuses] = await Promise.all([this.endpoints.findAll(), this.statuses.findAll()]);
    return buildTopology(endpoints.map(toEndpointView), statuses, new Date());
  }
}

@ApiTags('topology')
@Controller('api/topology')
export class TopologyController {
  constructor(private readonly topology: TopologyService) {}

  @RequireRole('viewer')
  @Get()
  @ApiOperation({ summary: 'Nodes (endpoints), directed stream edges publisher → subscriber, and their states' })
  get(): Promise<TopologyView> {
    return this.topology.get();
  }
}

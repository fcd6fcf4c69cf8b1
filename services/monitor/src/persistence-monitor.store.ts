import { Inject, Injectable } from '@nestjs/common';
import { type EndpointStatus, type EndpointView } from '@prm/contracts';
import { EndpointRepository, EndpointStatusRepository, toEndpointView } from '@prm/persistence';

import { type MonitorStore } from './monitor.ports.js';

/** {@link MonitorStore} on prm's metadata store (@prm/persistence repositories, tables `endpoint`, `endpoint_status`). */
@Injectable()
export class PersistenceMonitorStore implements MonitorStore {
  constructor(
    @Inject(EndpointRepository) private readonly endpoints: EndpointRepository,
    @Inject(EndpointStatusRepository) private readonly statuses: EndpointStatusRepository,
  ) {}

  async listEndpoints(): Promise<EndpointView[]> {
    return (await this.endpoints.findAll()).map(toEndpointView);
  }

  async findEndpoint(id: string): Promise<EndpointView | null> {
    const e = await this.endpoints.findById(id);
    return e ? toEndpointView(e) : null;
  }

  findStatus(endpointId: string): Promise<EndpointStatus | null> {
    return this.statuses.findByEndpoint(endpointId);
  }

  saveStatus(status: EndpointStatus): Promise<void> {
    return this.statuses.upsert(status);
  }
}

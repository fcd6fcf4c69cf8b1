import { Inject, Injectable } from '@nestjs/common';
import { type EndpointStatus, type EndpointView } from '@prm/contracts';
import { EndpointRepository, EndpointStatusRepository, toEndpointView } from '@prm/persistence';

import { type MonitorStore } from './monitor.ports.js';
import { Coalescer } from './poll/coalescer.js';

/**
 * {@link MonitorStore} on prm's metadata store (@prm/persistence repositories, tables `endpoint`, `endpoint_status`).
 * Snapshot reads and writes of polls running together are grouped ({@link Coalescer}): one `findByEndpoints` /
 * `upsertMany` statement per batch instead of one statement per poll.
 */
@Injectable()
export class PersistenceMonitorStore implements MonitorStore {
  private readonly reads: Coalescer<string, EndpointStatus | null>;
  private readonly writes: Coalescer<EndpointStatus, void>;

  constructor(
    @Inject(EndpointRepository) private readonly endpoints: EndpointRepository,
    @Inject(EndpointStatusRepository) statuses: EndpointStatusRepository,
  ) {
    this.reads = new Coalescer(async (ids) => {
      const found = new Map((await statuses.findByEndpoints(ids)).map((s) => [s.endpointId, s]));
      return ids.map((id) => found.get(id) ?? null);
    });
    this.writes = new Coalescer<EndpointStatus, void>(async (batch) => {
      await statuses.upsertMany(batch);
      return batch.map(() => undefined);
    });
  }

  async listEndpoints(): Promise<EndpointView[]> {
    return (await this.endpoints.findAll()).map(toEndpointView);
  }

  async findEndpoint(id: string): Promise<EndpointView | null> {
    const e = await this.endpoints.findById(id);
    return e ? toEndpointView(e) : null;
  }

  findStatus(endpointId: string): Promise<EndpointStatus | null> {
    return this.reads.submit(endpointId);
  }

  saveStatus(status: EndpointStatus): Promise<void> {
    return this.writes.submit(status);
  }
}

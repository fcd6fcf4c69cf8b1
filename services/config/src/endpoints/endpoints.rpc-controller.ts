import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ConfigPattern, type EndpointView } from '@prm/contracts';
import { DomainErrorRpcFilter } from '../rpc/domain-error.rpc-filter.js';
import { EndpointsService, type SavedEndpoint } from './endpoints.service.js';

interface SavePayload {
  id?: string;
  body: unknown;
  force?: boolean;
}

/** `config.endpoints.*` request/reply handlers on the Redis bus. */
@Controller()
@UseFilters(DomainErrorRpcFilter)
export class EndpointsRpcController {
  constructor(private readonly endpoints: EndpointsService) {}

  @MessagePattern(ConfigPattern.ListEndpoints)
  list(): Promise<EndpointView[]> {
    return this.endpoints.list();
  }

  @MessagePattern(ConfigPattern.GetEndpoint)
  get(@Payload() p: { id: string }): Promise<EndpointView> {
    return this.endpoints.get(String(p.id));
  }

  @MessagePattern(ConfigPattern.CreateEndpoint)
  create(@Payload() p: SavePayload): Promise<SavedEndpoint> {
    return this.endpoints.create(p.body, p.force === true);
  }

  @MessagePattern(ConfigPattern.UpdateEndpoint)
  update(@Payload() p: SavePayload): Promise<SavedEndpoint> {
    return this.endpoints.update(String(p.id), p.body, p.force === true);
  }

  @MessagePattern(ConfigPattern.DeleteEndpoint)
  async delete(@Payload() p: { id: string }): Promise<{ deleted: true }> {
    await this.endpoints.delete(String(p.id));
    return { deleted: true };
  }
}

import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ConfigPattern, type LagThresholds } from '@prm/contracts';
import { DomainErrorRpcFilter } from '../rpc/domain-error.rpc-filter.js';
import { type EffectiveThresholds, ThresholdsService } from './thresholds.service.js';

/** `config.thresholds.*` request/reply handlers on the Redis bus (payloads re-validated by the service). */
@Controller()
@UseFilters(DomainErrorRpcFilter)
export class ThresholdsRpcController {
  constructor(private readonly thresholds: ThresholdsService) {}

  @MessagePattern(ConfigPattern.GetGlobalThresholds)
  getGlobal(): Promise<LagThresholds> {
    return this.thresholds.getGlobal();
  }

  @MessagePattern(ConfigPattern.PutGlobalThresholds)
  putGlobal(@Payload() p: { body: unknown }): Promise<LagThresholds> {
    return this.thresholds.putGlobal(p?.body);
  }

  @MessagePattern(ConfigPattern.GetStreamThresholds)
  getStream(@Payload() p: { id: string }): Promise<EffectiveThresholds> {
    return this.thresholds.getStream(String(p?.id));
  }

  @MessagePattern(ConfigPattern.PutStreamThresholds)
  putStream(@Payload() p: { id: string; body: unknown }): Promise<EffectiveThresholds> {
    return this.thresholds.putStream(String(p?.id), p?.body);
  }

  @MessagePattern(ConfigPattern.DeleteStreamThresholds)
  deleteStream(@Payload() p: { id: string }): Promise<EffectiveThresholds> {
    return this.thresholds.deleteStream(String(p?.id));
  }
}

import { Module } from '@nestjs/common';
import { EndpointChecker } from './endpoints/endpoint-checker.js';
import { EndpointsRpcController } from './endpoints/endpoints.rpc-controller.js';
import { EndpointsService } from './endpoints/endpoints.service.js';
import { ThresholdsRpcController } from './thresholds/thresholds.rpc-controller.js';
import { ThresholdsService } from './thresholds/thresholds.service.js';

/**
 * The config service: endpoints and lag thresholds (later notification channels). Needs PersistenceModule, MessagingModule and
 * CredentialsModule from the composing app.
 */
@Module({
  controllers: [EndpointsRpcController, ThresholdsRpcController],
  providers: [EndpointsService, EndpointChecker, ThresholdsService],
  exports: [EndpointsService, ThresholdsService],
})
export class ConfigServiceModule {}

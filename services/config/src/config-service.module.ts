import { Module } from '@nestjs/common';
import { EndpointChecker } from './endpoints/endpoint-checker.js';
import { EndpointsRpcController } from './endpoints/endpoints.rpc-controller.js';
import { EndpointsService } from './endpoints/endpoints.service.js';

/**
 * The config service: endpoints (and later thresholds, channels). Needs PersistenceModule, MessagingModule and
 * CredentialsModule from the composing app.
 */
@Module({
  controllers: [EndpointsRpcController],
  providers: [EndpointsService, EndpointChecker],
  exports: [EndpointsService],
})
export class ConfigServiceModule {}

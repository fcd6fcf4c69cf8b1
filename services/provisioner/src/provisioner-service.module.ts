import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { QueueName } from '@prm/contracts';
import { PRM_BUS } from '@prm/messaging';
import { CommonEnv, validateEnv } from '@prm/observability';
import { lastValueFrom } from 'rxjs';
import { ProvisionerEnv, provisionerSettings } from './env.js';
import { SqsIngressConsumer } from './ingress/sqs-ingress.consumer.js';
import { EndpointSessions } from './provisioning/endpoint-sessions.js';
import {
  PROVISIONER_SETTINGS,
  PROVISIONING_EVENTS,
  type ProvisioningEventBus,
} from './provisioning/provisioning.ports.js';
import { ProvisioningProcessor } from './provisioning/provisioning.processor.js';
import { ProvisioningRpcController } from './provisioning/provisioning.rpc-controller.js';
import { ProvisioningSaga } from './provisioning/provisioning.saga.js';
import { ProvisioningService } from './provisioning/provisioning.service.js';

function busEvents(bus: ClientProxy): ProvisioningEventBus {
  return { emit: (pattern, payload) => lastValueFrom(bus.emit(pattern, payload), { defaultValue: undefined }) };
}

/**
 * The provisioner service: stream provisioning sagas (BullMQ queue `provisioning`), restart recovery, the SQS
 * ingress and the `provisioning.*` request/reply handlers. Needs PersistenceModule, MessagingModule and
 * CredentialsModule from the composing app. `processEnv` is validated here (ProvisionerEnv, AWS settings of
 * CommonEnv).
 */
@Module({})
export class ProvisionerServiceModule {
  static forRoot(processEnv: Record<string, string | undefined>): DynamicModule {
    const common = validateEnv(CommonEnv, processEnv);
    const settings = provisionerSettings(validateEnv(ProvisionerEnv, processEnv), {
      region: common.AWS_REGION,
      endpoint: common.PRM_AWS_ENDPOINT,
    });
    return {
      module: ProvisionerServiceModule,
      imports: [BullModule.registerQueue({ name: QueueName.Provisioning })],
      controllers: [ProvisioningRpcController],
      providers: [
        { provide: PROVISIONER_SETTINGS, useValue: settings },
        { provide: PROVISIONING_EVENTS, useFactory: busEvents, inject: [PRM_BUS] },
        EndpointSessions,
        ProvisioningSaga,
        ProvisioningService,
        ProvisioningProcessor,
        SqsIngressConsumer,
      ],
      exports: [ProvisioningService],
    };
  }
}

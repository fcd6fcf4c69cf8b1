import { type DynamicModule, Module } from '@nestjs/common';
import { CredentialsModule } from '@prm/aws';
import { type CommonEnv, coreImports } from '@prm/observability';
import { ProvisionerServiceModule } from './provisioner-service.module.js';

/** Composition root of the provisioner service when it runs alone. */
@Module({})
export class ProvisionerAppModule {
  static forRoot(common: CommonEnv, processEnv: Record<string, string | undefined>): DynamicModule {
    return {
      module: ProvisionerAppModule,
      imports: [
        ...coreImports(common, 'provisioner'),
        CredentialsModule.forRoot({ env: processEnv, region: common.AWS_REGION, endpoint: common.PRM_AWS_ENDPOINT }),
        ProvisionerServiceModule.forRoot(processEnv),
      ],
    };
  }
}

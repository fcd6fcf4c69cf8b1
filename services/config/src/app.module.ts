import { type DynamicModule, Module } from '@nestjs/common';
import { CredentialsModule } from '@prm/aws';
import { type CommonEnv, coreImports } from '@prm/observability';
import { ConfigServiceModule } from './config-service.module.js';

/** Composition root of the config service when it runs alone. */
@Module({})
export class ConfigAppModule {
  static forRoot(common: CommonEnv, processEnv: Record<string, string | undefined>): DynamicModule {
    return {
      module: ConfigAppModule,
      imports: [
        ...coreImports(common, 'config'),
        CredentialsModule.forRoot({ env: processEnv, region: common.AWS_REGION, endpoint: common.PRM_AWS_ENDPOINT }),
        ConfigServiceModule,
      ],
    };
  }
}

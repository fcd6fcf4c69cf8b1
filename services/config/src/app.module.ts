import { type DynamicModule, Module } from '@nestjs/common';
import { CredentialsModule } from '@prm/aws';
import { BootstrapEnv, type CommonEnv, coreImports, endpointBootstrapProviders, validateEnv } from '@prm/observability';
import { ConfigServiceModule } from './config-service.module.js';
import { EndpointsService } from './endpoints/endpoints.service.js';

/** Composition root of the config service when it runs alone. */
@Module({})
export class ConfigAppModule {
  static forRoot(common: CommonEnv, processEnv: Record<string, string | undefined>): DynamicModule {
    const bootstrap = validateEnv(BootstrapEnv, processEnv);
    return {
      module: ConfigAppModule,
      imports: [
        ...coreImports(common, 'config'),
        CredentialsModule.forRoot({ env: processEnv, region: common.AWS_REGION, endpoint: common.PRM_AWS_ENDPOINT }),
        ConfigServiceModule,
      ],
      // Optional endpoints from PRM_BOOTSTRAP_FILE / PRM_BOOTSTRAP_SSM_PATH, applied at start.
      providers: endpointBootstrapProviders(
        {
          file: bootstrap.PRM_BOOTSTRAP_FILE,
          ssmPath: bootstrap.PRM_BOOTSTRAP_SSM_PATH,
          region: common.AWS_REGION,
          awsEndpoint: common.PRM_AWS_ENDPOINT,
        },
        EndpointsService,
      ),
    };
  }
}

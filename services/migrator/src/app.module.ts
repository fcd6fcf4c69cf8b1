import { type DynamicModule, Module } from '@nestjs/common';
import { CredentialsModule } from '@prm/aws';
import { type CommonEnv, coreImports } from '@prm/observability';
import type { MigratorEnv } from './env.js';
import { MigratorServiceModule } from './migrator-service.module.js';

/** Composition root of the migrator service when it runs alone. */
@Module({})
export class MigratorAppModule {
  static forRoot(common: CommonEnv, env: MigratorEnv, processEnv: Record<string, string | undefined>): DynamicModule {
    return {
      module: MigratorAppModule,
      imports: [
        ...coreImports(common, 'migrator'),
        CredentialsModule.forRoot({ env: processEnv, region: common.AWS_REGION, endpoint: common.PRM_AWS_ENDPOINT }),
        MigratorServiceModule.forRoot({ jobLockMs: env.PRM_MIGRATION_JOB_LOCK_MS }),
      ],
    };
  }
}

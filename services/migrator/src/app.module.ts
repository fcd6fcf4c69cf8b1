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
        MigratorServiceModule.forRoot({
          jobLockMs: env.PRM_MIGRATION_JOB_LOCK_MS,
          // The target under way may finish in 60% of the shutdown bound; the rest closes pools and Redis.
          shutdownGraceMs: Math.floor(common.PRM_SHUTDOWN_TIMEOUT_MS * 0.6),
        }),
      ],
    };
  }
}

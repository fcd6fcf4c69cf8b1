import { type DynamicModule, Module } from '@nestjs/common';
import { type CommonEnv, coreImports } from '@prm/observability';
import { MigratorServiceModule } from './migrator-service.module.js';

/** Composition root of the migrator service when it runs alone. */
@Module({})
export class MigratorAppModule {
  static forRoot(common: CommonEnv, _processEnv: Record<string, string | undefined>): DynamicModule {
    return { module: MigratorAppModule, imports: [...coreImports(common, 'migrator'), MigratorServiceModule] };
  }
}

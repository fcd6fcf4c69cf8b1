import { type DynamicModule, Module } from '@nestjs/common';
import { type CommonEnv, coreImports } from '@prm/observability';
import { AlerterServiceModule } from './alerter-service.module.js';

/** Composition root of the alerter service when it runs alone. */
@Module({})
export class AlerterAppModule {
  static forRoot(common: CommonEnv, _processEnv: Record<string, string | undefined>): DynamicModule {
    return { module: AlerterAppModule, imports: [...coreImports(common, 'alerter'), AlerterServiceModule] };
  }
}

import { type DynamicModule, Module } from '@nestjs/common';
import { type CommonEnv, coreImports } from '@prm/observability';
import { AlerterServiceModule } from './alerter-service.module.js';
import { type AlerterSettingsEnv, alerterSettings } from './env.js';

/** Composition root of the alerter service when it runs alone (scale it out: BullMQ shares the jobs). */
@Module({})
export class AlerterAppModule {
  static forRoot(
    common: CommonEnv,
    env: AlerterSettingsEnv,
    processEnv: Record<string, string | undefined>,
  ): DynamicModule {
    return {
      module: AlerterAppModule,
      imports: [
        ...coreImports(common, 'alerter'),
        AlerterServiceModule.forRoot(alerterSettings(env, common, processEnv)),
      ],
    };
  }
}

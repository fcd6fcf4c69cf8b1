import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { QueueName } from '@prm/contracts';
import { DEFAULT_MIGRATOR_SETTINGS, MIGRATOR_SETTINGS, type MigratorSettings } from './migrator.ports.js';
import { MigrationRunnerService } from './run/migration-runner.service.js';
import { MigrationsProcessor } from './run/migrations.processor.js';

/**
 * The migrator: BullMQ queue `migrations` (concurrency 1) running migration runs target by target, resuming runs
 * found `running` after a crash. Needs PersistenceModule, MessagingModule and CredentialsModule from the composing
 * app. `MigratorServiceModule` alone uses {@link DEFAULT_MIGRATOR_SETTINGS}; `forRoot` overrides them.
 */
@Module({
  imports: [BullModule.registerQueue({ name: QueueName.Migrations })],
  providers: [
    { provide: MIGRATOR_SETTINGS, useValue: DEFAULT_MIGRATOR_SETTINGS },
    MigrationRunnerService,
    MigrationsProcessor,
  ],
})
export class MigratorServiceModule {
  static forRoot(settings: Partial<MigratorSettings>): DynamicModule {
    return {
      module: MigratorServiceModule,
      providers: [{ provide: MIGRATOR_SETTINGS, useValue: { ...DEFAULT_MIGRATOR_SETTINGS, ...settings } }],
    };
  }
}

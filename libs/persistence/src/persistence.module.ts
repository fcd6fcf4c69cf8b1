import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { openMetadataStore } from './data-source.js';
import type { MetadataTlsSettings } from './metadata-tls.js';
import { MIGRATION_RUN_REPOSITORIES } from './migrations-runs/migration-runs.schema.js';
import { EndpointStatusRepository } from './repositories/endpoint-status.repository.js';
import { EndpointRepository } from './repositories/endpoint.repository.js';
import { REPLICATION_ERROR_REPOSITORIES } from './replication-errors/replication-errors.schema.js';
import { STREAM_REPOSITORIES } from './streams/streams.schema.js';
import { PROVISIONING_REPOSITORIES } from './provisioning/provisioning.schema.js';
import { ALERT_REPOSITORIES } from './alerts/alerts.schema.js';
import { AUDIT_REPOSITORIES } from './audit/audit.schema.js';
import { AUTH_REPOSITORIES } from './auth/auth.schema.js';

const REPOSITORIES = [
  EndpointRepository,
  EndpointStatusRepository,
  ...STREAM_REPOSITORIES,
  ...REPLICATION_ERROR_REPOSITORIES,
  ...MIGRATION_RUN_REPOSITORIES,
  ...PROVISIONING_REPOSITORIES,
  ...ALERT_REPOSITORIES,
  ...AUDIT_REPOSITORIES,
  ...AUTH_REPOSITORIES,
];

export interface PersistenceOptions {
  /** `postgres://` URL of prm's metadata database; created when missing, migrated at start. */
  url: string;
  /** TLS of the metadata connection (`PRM_DATABASE_SSL`, `PRM_DATABASE_CA_FILE`); unset: the URL decides. */
  tls?: MetadataTlsSettings;
}

/**
 * prm's metadata store as a Nest module: one `DataSource` (migrated before anything uses it) and the repositories.
 * Global, so every service module can inject the repositories.
 */
@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forRoot(options: PersistenceOptions): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: DataSource, useFactory: () => openMetadataStore(options.url, options.tls) },
        ...REPOSITORIES,
      ],
      exports: [DataSource, ...REPOSITORIES],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

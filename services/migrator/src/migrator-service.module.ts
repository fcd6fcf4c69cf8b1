import { Module } from '@nestjs/common';

/**
 * The migrator service. Its work arrives with issue 5 (schema migrations across replicas); today it runs as its own Nest app (health, bus, metadata
 * store) so the deployment shape is in place.
 */
@Module({})
export class MigratorServiceModule {}

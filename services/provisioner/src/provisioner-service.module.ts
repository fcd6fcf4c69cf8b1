import { Module } from '@nestjs/common';

/**
 * The provisioner service. Its work arrives with issue 4 (stream provisioning sagas, SQS ingress); today it runs as its own Nest app (health, bus, metadata
 * store) so the deployment shape is in place.
 */
@Module({})
export class ProvisionerServiceModule {}

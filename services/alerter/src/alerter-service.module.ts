import { Module } from '@nestjs/common';

/**
 * The alerter service. Its work arrives with issue 6 (alert rules, lifecycle, notifications); today it runs as its own Nest app (health, bus, metadata
 * store) so the deployment shape is in place.
 */
@Module({})
export class AlerterServiceModule {}

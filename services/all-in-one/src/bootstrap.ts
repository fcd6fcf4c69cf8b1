import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GatewayEnv, configureGatewayHttp } from '@prm/gateway-service';
import { MonitorEnv } from '@prm/monitor-service';
import { CommonEnv, startBusListener, validateEnv } from '@prm/observability';
import { AllInOneModule } from './app.module.js';

/**
 * Validates the environment, builds the all-in-one app and starts listening on `PRM_PORT` (0 = any free port).
 * Throws `InvalidEnvironmentError` naming the variable when a setting is wrong.
 */
export async function startAllInOne(processEnv: Record<string, string | undefined>): Promise<INestApplication> {
  const common = validateEnv(CommonEnv, processEnv);
  const gateway = validateEnv(GatewayEnv, processEnv);
  const monitor = validateEnv(MonitorEnv, processEnv);
  const app = await NestFactory.create(AllInOneModule.forRoot({ common, gateway, monitor, processEnv }), {
    bufferLogs: true,
  });
  configureGatewayHttp(app, {
    maxBodyBytes: gateway.PRM_MAX_BODY_BYTES,
    bullBoard: gateway.PRM_BULL_BOARD === 'true',
    trustProxyHops: gateway.PRM_TRUST_PROXY_HOPS,
  });
  await startBusListener(app, common);
  await app.listen(gateway.PRM_PORT, gateway.PRM_HOST);
  return app;
}

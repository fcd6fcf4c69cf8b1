import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CommonEnv, runService, startBusListener, validateEnv } from '@prm/observability';
import { GatewayAppModule } from './app.module.js';
import { AuthEnv } from './auth/auth.env.js';
import { GatewayEnv } from './env.js';
import { configureGatewayHttp } from './http/configure-http.js';

// Runs the gateway alone (API, console, WebSocket); services/all-in-one runs all six services in one process.
await runService(async () => {
  const common = validateEnv(CommonEnv, process.env);
  const env = validateEnv(GatewayEnv, process.env);
  const auth = validateEnv(AuthEnv, process.env);
  const app = await NestFactory.create(GatewayAppModule.forRoot(common, env, auth), { bufferLogs: true });
  configureGatewayHttp(app, {
    maxBodyBytes: env.PRM_MAX_BODY_BYTES,
    bullBoard: env.PRM_BULL_BOARD === 'true',
    trustProxyHops: env.PRM_TRUST_PROXY_HOPS,
  });
  await startBusListener(app, common);
  await app.listen(env.PRM_PORT, env.PRM_HOST);
});

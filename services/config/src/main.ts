import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CommonEnv, runService, startBusListener, validateEnv } from '@prm/observability';
import { ConfigAppModule } from './app.module.js';
import { ConfigEnv } from './env.js';

// Runs the config service alone (one ECS service); services/all-in-one runs all six in one process.
await runService(async () => {
  const common = validateEnv(CommonEnv, process.env);
  const env = validateEnv(ConfigEnv, process.env);
  const app = await NestFactory.create(ConfigAppModule.forRoot(common, process.env), { bufferLogs: true });
  await startBusListener(app, common);
  await app.listen(env.PRM_PORT, '0.0.0.0');
});

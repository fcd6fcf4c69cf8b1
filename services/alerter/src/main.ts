import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CommonEnv, runService, startBusListener, validateEnv } from '@prm/observability';
import { AlerterAppModule } from './app.module.js';
import { AlerterEnv } from './env.js';

// Runs the alerter service alone (one ECS service); services/all-in-one runs all six in one process.
await runService(async () => {
  const common = validateEnv(CommonEnv, process.env);
  const env = validateEnv(AlerterEnv, process.env);
  const app = await NestFactory.create(AlerterAppModule.forRoot(common, env, process.env), { bufferLogs: true });
  await startBusListener(app, common);
  await app.listen(env.PRM_PORT, '0.0.0.0');
});

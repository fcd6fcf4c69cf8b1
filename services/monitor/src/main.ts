import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CommonEnv, runService, startBusListener, validateEnv } from '@prm/observability';
import { MonitorAppModule } from './app.module.js';
import { MonitorEnv } from './env.js';

// Runs the monitor alone (one ECS service, scaled on queue depth); services/all-in-one runs all six in one process.
await runService(async () => {
  const common = validateEnv(CommonEnv, process.env);
  const env = validateEnv(MonitorEnv, process.env);
  const app = await NestFactory.create(MonitorAppModule.forRoot(common, env, process.env), { bufferLogs: true });
  await startBusListener(app, common);
  await app.listen(env.PRM_PORT, '0.0.0.0');
});

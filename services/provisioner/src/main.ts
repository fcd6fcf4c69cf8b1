import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CommonEnv, runService, startBusListener, validateEnv } from '@prm/observability';
import { ProvisionerAppModule } from './app.module.js';
import { ProvisionerEnv } from './env.js';

// Runs the provisioner service alone (one ECS service); services/all-in-one runs all six in one process.
await runService(async () => {
  const common = validateEnv(CommonEnv, process.env);
  const env = validateEnv(ProvisionerEnv, process.env);
  const app = await NestFactory.create(ProvisionerAppModule.forRoot(common, process.env), { bufferLogs: true });
  await startBusListener(app, common);
  await app.listen(env.PRM_PORT, '0.0.0.0');
});

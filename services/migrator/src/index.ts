export * from './env.js';
export * from './migrator-service.module.js';
export * from './migrator.ports.js';
export * from './plan/migration-plan.js';
export * from './plan/migration-submit.service.js';
export * from './run/migration-runner.service.js';
export * from './run/migrations.processor.js';
export * from './run/target-runner.js';

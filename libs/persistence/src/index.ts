export * from './data-source.js';
export * from './entities/endpoint-status.entity.js';
export * from './entities/endpoint.entity.js';
export * from './persistence.module.js';
export * from './repositories/endpoint-status.repository.js';
export * from './repositories/endpoint.repository.js';
export * from './streams/index.js';
export * from './migrations-runs/migration-run.repository.js';

export * from './common-env.js';
export * from './env.js';
export * from './health.module.js';
export * from './logger.module.js';
export * from './redaction.js';
export * from './service-runtime.js';

export * from './env.js';
export * from './logger.module.js';
export * from './redaction.js';

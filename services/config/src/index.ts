export * from './config-service.module.js';
export * from './endpoints/endpoints.service.js';

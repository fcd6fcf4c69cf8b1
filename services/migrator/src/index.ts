export * from './migrator-service.module.js';

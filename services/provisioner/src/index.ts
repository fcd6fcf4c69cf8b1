export * from './provisioner-service.module.js';

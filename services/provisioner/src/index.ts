export * from './env.js';
export * from './provisioner-service.module.js';
export * from './provisioning/provisioning.service.js';

export * from './1764700000000-provisioning.js';
export * from './provisioning-run.repository.js';
export * from './provisioning.schema.js';

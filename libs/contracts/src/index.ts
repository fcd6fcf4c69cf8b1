export * from './api.js';
export * from './endpoint.js';
export * from './names.js';
export * from './status.js';
export * from './topology.js';

export * from './env.js';
export * from './gateway.module.js';
export * from './http/api-error.filter.js';
export * from './http/configure-http.js';

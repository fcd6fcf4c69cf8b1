export * from './messaging.module.js';
export * from './prefixed-redis.js';
export * from './redis-url.js';

export * from './cluster/index.js';
export * from './expect-eventually.js';
export * from './paths.js';
export * from './ports.js';
export * from './redis.js';
export * from './test-database.js';

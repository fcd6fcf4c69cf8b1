export * from './discovery.js';
export * from './discovery.sql.js';

export * from './subscription.ddl.js';

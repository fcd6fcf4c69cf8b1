export * from './check.js';
export * from './classify.js';
export * from './connect.js';
export * from './conninfo.js';
export * from './errors.js';
export * from './quote.js';
export * from './catalog/index.js';
export * from './migrations/index.js';

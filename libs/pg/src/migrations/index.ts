export * from './analyze.js';
export * from './split.js';

export * from './classify.js';
export * from './csvlog.js';
export * from './entry.js';
export * from './jsonlog.js';
export * from './stderr.js';

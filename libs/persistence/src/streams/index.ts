export * from './1764500000000-streams.js';
export * from './metric-sample.repository.js';
export * from './stream-status.repository.js';
export * from './stream.repository.js';
export * from './streams.schema.js';
export * from './threshold.repository.js';
export * from './wal-sample.repository.js';

export * from './1764500001000-replication-errors.js';
export * from './log-cursor.repository.js';
export * from './replication-error.repository.js';

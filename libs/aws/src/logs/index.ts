export * from './aws-log-errors.js';
export * from './cloudwatch-log.reader.js';
export * from './rds-log.reader.js';

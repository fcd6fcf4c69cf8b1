export * from './aws-errors.js';
export * from './credential-resolver.js';
export * from './rds-iam.source.js';
export * from './secrets-manager.source.js';
export * from './credentials.module.js';
export * from './logs/index.js';
export * from './sqs/index.js';

export * from './1764800000000-alerts.js';
export * from './1765060000000-alert-escalation.js';
export * from './alert.repository.js';
export * from './alerts.schema.js';
export * from './notification.repository.js';
export * from './slot-sample.repository.js';

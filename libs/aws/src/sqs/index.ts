export * from './sqs.js';

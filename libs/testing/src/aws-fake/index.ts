export * from './aws-fake.js';
export * from './sqs-fake.js';

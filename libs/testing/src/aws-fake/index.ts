export * from './aws-fake.js';

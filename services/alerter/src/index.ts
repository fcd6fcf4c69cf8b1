export * from './alerter-service.module.js';

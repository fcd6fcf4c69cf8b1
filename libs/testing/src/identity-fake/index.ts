export * from './alb-fake.js';
export * from './oidc-fake.js';
